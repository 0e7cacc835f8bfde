import { isMap, isScalar, isSeq, type Pair, type Scalar, type YAMLMap } from 'yaml';
import type { DiagnosticCode, DiagnosticSeverity } from './diagnostic.js';
import { checkFilePath } from './file-path.js';
import {
  DEFAULT_MAX_MOUNT_OBJECTS,
  MAX_OBJECT_BYTES,
  MAX_OBJECT_VERSION_HISTORY,
  MAX_OBJECTS_BYTES,
  maxLexemesFor,
  overLimit,
  utf8Length,
} from './input-limits.js';
import type { KeyVaultObject, ObjectEncoding, ObjectFormat, ObjectType } from './mount-plan.js';
import { echo } from './private/echo.js';
import { goQuote, goTrimSpace } from './private/go-text.js';
import {
  type DecodedJmesPath,
  type DecodedTags,
  decodeJmesPath,
  decodeTags,
} from './private/nested-fields.js';
import { checkExtensions, METADATA_SUFFIX } from './private/object-extensions.js';
import { suggestName } from './private/suggest.js';
import {
  countLexemes,
  goUnmarshalError,
  isNullScalar,
  lineOf,
  parseYaml,
  valueToSourceOffset,
  type YamlDocument,
  type YamlNode,
} from './private/yaml-source.js';
import { SpcError, type SpcErrorCode } from './spc-error.js';

/** The per-object fields (docs/spc-parameters.md §4); every other key is ignored. */
export const OBJECT_FIELDS = [
  'objectName',
  'objectType',
  'objectAlias',
  'objectVersion',
  'objectVersionHistory',
  'objectFormat',
  'objectEncoding',
  'filePermission',
] as const;

/** Our per-object keys read as text (extensions.md §1, §2, §5). */
export const EXTENSION_TEXT_FIELDS = ['optional', 'keyvaultName', 'metadata'] as const;
/** Our nested per-object keys (extensions.md §3, §6). */
export const EXTENSION_NESTED_FIELDS = ['jmesPath', 'tags'] as const;

export type ObjectField =
  | (typeof OBJECT_FIELDS)[number]
  | (typeof EXTENSION_TEXT_FIELDS)[number]
  | (typeof EXTENSION_NESTED_FIELDS)[number];

export type ObjectTextField = Exclude<ObjectField, 'objectVersionHistory' | 'jmesPath' | 'tags'>;

const STRING_FIELDS: ReadonlySet<string> = new Set([
  ...OBJECT_FIELDS.filter((f) => f !== 'objectVersionHistory'),
  ...EXTENSION_TEXT_FIELDS,
]);
/** Every key an object may have, for "did you mean" suggestions. */
const ALL_FIELDS: readonly string[] = [
  ...OBJECT_FIELDS,
  ...EXTENSION_TEXT_FIELDS,
  ...EXTENSION_NESTED_FIELDS,
];

function emptyFields(): Record<ObjectTextField, string> {
  return {
    objectName: '',
    objectType: '',
    objectAlias: '',
    objectVersion: '',
    objectFormat: '',
    objectEncoding: '',
    filePermission: '',
    optional: '',
    keyvaultName: '',
    metadata: '',
  };
}

const OBJECT_TYPES: ReadonlySet<string> = new Set<ObjectType>(['secret', 'key', 'cert']);
const OBJECT_NAME_PATTERN = /^[0-9a-zA-Z-]{1,127}$/;
const WILDCARD_PATTERN = /^[0-9a-zA-Z*-]{1,127}$/;
const FILE_PERMISSION_PATTERN = /^[0-7]{1,4}$/;
const MAX_UNMARSHAL_ERRORS_SHOWN = 10;
const INT32_MAX = 2 ** 31 - 1;

export interface ParseObjectsOptions {
  /** Mode for objects without `filePermission` (the request's `permission`); default 0o644. */
  readonly defaultFileMode?: number;
  /** `--write-cert-and-key-in-separate-files`: include `<file>.crt`/`.key` in the path checks. */
  readonly writeCertAndKeyInSeparateFiles?: boolean;
  /** Most objects accepted (default `DEFAULT_MAX_MOUNT_OBJECTS`, 1,000). */
  readonly maxObjects?: number;
}

export interface AnalyzeObjectsOptions {
  /** Stop at the first error (a mount needs nothing more). */
  readonly firstErrorOnly?: boolean;
  /** Most objects accepted (default `DEFAULT_MAX_MOUNT_OBJECTS`, 1,000). */
  readonly maxObjects?: number;
  /** `--write-cert-and-key-in-separate-files`: secret objects may also write `.crt`/`.key`. */
  readonly splitCertAndKeyFiles?: boolean;
}

/**
 * Parses and validates the (trimmed) `objects` parameter: steps 12–15 plus our cross-object
 * checks. Returns the objects in SecretProviderClass order; throws the first `SpcError`.
 */
export function parseObjects(objects: string, options: ParseObjectsOptions = {}): KeyVaultObject[] {
  const text = typeof objects === 'string' ? goTrimSpace(objects) : '';
  if (text === '') throw new SpcError('OBJECTS_MISSING', 'objects is not set');
  let analysis: ObjectsAnalysis;
  try {
    analysis = analyzeObjects(text, options.defaultFileMode ?? 0o644, {
      firstErrorOnly: true,
      splitCertAndKeyFiles: options.writeCertAndKeyInSeparateFiles ?? false,
      maxObjects: options.maxObjects,
    });
  } catch {
    throw new SpcError('INPUT_TOO_COMPLEX', 'failed to parse objects: input too large or too complex');
  }
  if (analysis.firstError) throw analysis.firstError;
  return analysis.objects;
}

/** One finding, located by its offset in the analysed `objects` text. */
export interface ObjectIssue {
  readonly severity: DiagnosticSeverity;
  readonly code: DiagnosticCode;
  /** Single-line text (lint); for errors the mount text of that one problem. */
  readonly message: string;
  readonly offset: number;
  readonly objectIndex?: number;
}

export interface AnalyzedObject {
  readonly index: number;
  /** Offset of the item in the objects text. */
  readonly offset: number;
  /** Trimmed field values as written (`""` when absent). */
  readonly fields: Readonly<Record<ObjectTextField, string>>;
  readonly objectVersionHistory: number;
  /** `objectAlias` or else `objectName`; `undefined` when that path is invalid. */
  readonly fileName: string | undefined;
  /** Offsets of the values (or keys) of the fields present. */
  readonly fieldOffsets: Readonly<Partial<Record<ObjectField, number>>>;
  /** The validated object, when this item had no error. */
  readonly object: KeyVaultObject | undefined;
  /**
   * Every file path the object writes that is known before fetching (main file, `jmesPath` files,
   * metadata sidecar); empty for a wildcard. `history` > 1: `path` is a directory of versions.
   */
  readonly claims: readonly PathClaim[];
}

export interface PathClaim {
  readonly path: string;
  readonly history: number;
  /** Where `lint` points for a conflict. */
  readonly offset: number;
}

export interface ObjectsAnalysis {
  /** Valid objects, in order (all of them when `firstError` is undefined). */
  readonly objects: KeyVaultObject[];
  readonly items: readonly AnalyzedObject[];
  readonly issues: readonly ObjectIssue[];
  /** What a mount fails with: the first error in the reference's order. */
  readonly firstError: SpcError | undefined;
}

/** Collects every finding in `text` (already trimmed); `firstError` is the mount's answer. */
export function analyzeObjects(
  text: string,
  defaultFileMode: number,
  options: AnalyzeObjectsOptions = {},
): ObjectsAnalysis {
  const issues: ObjectIssue[] = [];
  let firstError: SpcError | undefined;
  const report = (issue: ObjectIssue, mountMessage = issue.message): void => {
    issues.push(issue);
    if (issue.severity === 'error' && firstError === undefined) {
      firstError = new SpcError(issue.code as SpcErrorCode, mountMessage, { objectIndex: issue.objectIndex });
    }
  };

  // Bounded before the YAML parse (input-limits.ts): steps 13 and 14 allocate many times their input.
  const objectsBytes = utf8Length(text);
  if (objectsBytes > MAX_OBJECTS_BYTES) {
    report({
      severity: 'error',
      code: 'OBJECTS_TOO_LARGE',
      message: `objects is ${overLimit(objectsBytes, MAX_OBJECTS_BYTES)}`,
      offset: 0,
    });
    return { objects: [], items: [], issues, firstError };
  }

  // Bounded before the YAML parse too: time and memory grow with the lexeme count, not the bytes.
  const maxObjects = options.maxObjects ?? DEFAULT_MAX_MOUNT_OBJECTS;
  const lexemes = new LexemeBudget(maxLexemesFor(maxObjects), maxObjects);
  if (!lexemes.take(text)) {
    report({ severity: 'error', code: 'OBJECTS_TOO_COMPLEX', message: lexemes.message(), offset: 0 });
    return { objects: [], items: [], issues, firstError };
  }

  const outer = readStringArray(text);
  if (outer.kind === 'syntax') {
    report({
      severity: 'error',
      code: 'INVALID_OBJECTS_YAML',
      message: `failed to yaml unmarshal objects, error: yaml: line ${outer.line}: ${echo(outer.message)}`,
      offset: outer.offset,
    });
    return { objects: [], items: [], issues, firstError };
  }
  if (outer.kind === 'type') {
    const prefix = 'failed to yaml unmarshal objects, error: yaml: unmarshal errors:';
    const mountMessage = `${prefix}\n  ${summarize(outer.errors.map((e) => e.text)).join('\n  ')}`;
    outer.errors.forEach((error, i) => {
      report(
        {
          severity: 'error',
          code: 'INVALID_OBJECTS_YAML',
          message: `${prefix} ${error.text}`,
          offset: error.offset,
        },
        i === 0 ? mountMessage : undefined,
      );
    });
    return { objects: [], items: [], issues, firstError };
  }

  // Before decoding any object: each one is at least a Key Vault request and a file.
  if (outer.items.length > maxObjects) {
    report({
      severity: 'error',
      code: 'TOO_MANY_OBJECTS',
      message: `objects array has ${outer.items.length} entries, over the limit of ${maxObjects} objects per mount`,
      offset: outer.arrayOffset,
    });
    return { objects: [], items: [], issues, firstError };
  }

  const items: AnalyzedObject[] = [];
  for (const [index, item] of outer.items.entries()) {
    const itemBytes = utf8Length(item.text);
    if (itemBytes > MAX_OBJECT_BYTES) {
      report({
        severity: 'error',
        code: 'OBJECT_TOO_LARGE',
        message: `unmarshal failed for keyVaultObjects at index ${index}, error: object is ${overLimit(itemBytes, MAX_OBJECT_BYTES)}`,
        offset: item.offset,
        objectIndex: index,
      });
    }
    const analyzed =
      itemBytes > MAX_OBJECT_BYTES ? undefined : analyzeItem(item, index, defaultFileMode, report, lexemes);
    if (analyzed) items.push(analyzed);
    // A mount needs only the first error: do not decode thousands of objects after it.
    if (options.firstErrorOnly && firstError) return { objects: [], items, issues, firstError };
  }

  const objects = items.flatMap((item) => (item.object ? [item.object] : []));
  checkPathConflicts(items, report, options.splitCertAndKeyFiles ?? false);
  if (outer.items.length === 0) {
    report({
      severity: 'error',
      code: 'OBJECTS_EMPTY',
      message: 'objects array is empty: at least one object is required',
      offset: outer.arrayOffset,
    });
  }
  return { objects, items, issues, firstError };
}

export interface ArrayItem {
  readonly text: string;
  /** Maps an offset in `text` to one in the objects text. */
  readonly toOuter: (offset: number) => number;
  readonly offset: number;
}

export type OuterResult =
  | { kind: 'syntax'; line: number; offset: number; message: string }
  | { kind: 'type'; errors: { text: string; offset: number }[] }
  | { kind: 'ok'; items: ArrayItem[]; arrayOffset: number };

// Decodes like the reference's `yaml.Unmarshal(objects, &types.StringArray{})` (also `templates`).
export function readStringArray(text: string): OuterResult {
  const source = parseYaml(text, { firstDocumentOnly: true });
  const problem = source.problems[0];
  if (problem)
    return {
      kind: 'syntax',
      line: lineOf(source, problem.offset),
      offset: problem.offset,
      message: problem.message,
    };
  const document = source.documents[0];
  if (!document) return { kind: 'ok', items: [], arrayOffset: 0 };
  const errors: { text: string; offset: number }[] = [];
  const typeError = (node: YamlNode, target: string): void => {
    const offset = node.range?.[0] ?? 0;
    errors.push({ text: goUnmarshalError(node, lineOf(source, offset), target), offset });
  };
  const items: ArrayItem[] = [];
  let arrayOffset = 0;
  const root = resolveOrNull(document, document.document.contents);
  if (root !== null && !isNullScalar(root)) {
    if (!isMap(root)) {
      typeError(root, 'types.StringArray');
    } else {
      for (const pair of root.items) {
        const key = resolveOrNull(document, pair.key);
        if (!isScalar(key) || String(key.value) !== 'array') continue;
        arrayOffset = key.range?.[0] ?? 0;
        const value = resolveOrNull(document, pair.value);
        if (value === null || isNullScalar(value)) continue;
        if (!isSeq(value)) {
          typeError(value, '[]string');
          continue;
        }
        for (const entry of value.items) {
          const node = resolveOrNull(document, entry);
          if (node !== null && !isScalar(node)) {
            typeError(node, 'string');
            continue;
          }
          const offset =
            node?.range?.[0] ?? (entry as { range?: number[] } | null)?.range?.[0] ?? arrayOffset;
          if (node === null || isNullScalar(node)) {
            items.push({ text: '', toOuter: () => offset, offset });
          } else {
            items.push({ text: String(node.value), toOuter: valueToSourceOffset(node, text), offset });
          }
        }
      }
    }
  }
  const aliasProblem = document.aliasProblem();
  if (aliasProblem) {
    return {
      kind: 'syntax',
      line: lineOf(source, aliasProblem.offset),
      offset: aliasProblem.offset,
      message: aliasProblem.message,
    };
  }
  if (errors.length > 0) return { kind: 'type', errors };
  return { kind: 'ok', items, arrayOffset };
}

export function resolveOrNull(document: YamlDocument, node: unknown): YamlNode | null {
  if (node === null || node === undefined) return null;
  return document.resolve(node) ?? null;
}

export function summarize(lines: string[]): string[] {
  if (lines.length <= MAX_UNMARSHAL_ERRORS_SHOWN) return lines;
  return [
    ...lines.slice(0, MAX_UNMARSHAL_ERRORS_SHOWN),
    `... and ${lines.length - MAX_UNMARSHAL_ERRORS_SHOWN} more`,
  ];
}

export type Report = (issue: ObjectIssue, mountMessage?: string) => void;

export interface DecodedItem {
  fields: Record<ObjectTextField, string>;
  objectVersionHistory: number;
  fieldOffsets: Partial<Record<ObjectField, number>>;
  jmesPath?: DecodedJmesPath;
  tags?: DecodedTags;
}

function analyzeItem(
  item: ArrayItem,
  index: number,
  defaultFileMode: number,
  report: Report,
  lexemes: LexemeBudget,
): AnalyzedObject | undefined {
  const decoded = decodeItem(item, index, report, lexemes);
  if (!decoded) return undefined;
  const { fields, fieldOffsets, objectVersionHistory } = decoded;
  const wrap = (cause: string): string => wrapObject(fields, cause);
  let failed = false;
  const fail = (code: SpcErrorCode, cause: string, field: ObjectField | undefined, at?: number): void => {
    failed = true;
    const offset = at ?? (field && fieldOffsets[field]) ?? item.offset;
    report({ severity: 'error', code, message: wrap(cause), offset, objectIndex: index });
  };

  // The reference's checks, in its order ...
  const format = fields.objectFormat;
  const extendedFormat = extendedObjectFormat(format);
  if (format !== '') {
    if (extendedFormat !== undefined) {
      if (fields.objectType !== 'secret') {
        fail(
          'OBJECT_FORMAT_REQUIRES_SECRET',
          `objectFormat ${extendedFormat} only supported for objectType: secret`,
          'objectFormat',
        );
      }
    } else if (!equalFold(format, 'pem') && !equalFold(format, 'pfx')) {
      fail(
        'INVALID_OBJECT_FORMAT',
        `invalid objectFormat: ${echo(format)}, should be PEM or PFX`,
        'objectFormat',
      );
    } else if (equalFold(format, 'pfx') && fields.objectType !== 'secret') {
      fail('PFX_REQUIRES_SECRET', 'PFX format only supported for objectType: secret', 'objectFormat');
    }
  }
  const encoding = fields.objectEncoding;
  if (encoding !== '') {
    if (fields.objectType !== 'secret') {
      fail(
        'ENCODING_REQUIRES_SECRET',
        'objectEncoding only supported for objectType: secret',
        'objectEncoding',
      );
    }
    if (!equalFold(encoding, 'hex') && !equalFold(encoding, 'base64') && !equalFold(encoding, 'utf-8')) {
      fail(
        'INVALID_OBJECT_ENCODING',
        `invalid objectEncoding: ${echo(encoding)}, should be hex, base64 or utf-8`,
        'objectEncoding',
      );
    }
  }
  const wildcard = fields.objectName.includes('*');
  const fileName = fields.objectAlias !== '' ? fields.objectAlias : fields.objectName;
  const pathProblem = wildcard && fields.objectAlias === '' ? undefined : checkFilePath(fileName);
  if (pathProblem) {
    fail(pathProblem.code, pathProblem.message, fields.objectAlias !== '' ? 'objectAlias' : 'objectName');
  }
  // ... then ours (docs/spc-parameters.md §7).
  if (fields.objectName === '') fail('OBJECT_NAME_MISSING', 'objectName must not be empty', 'objectName');
  if (!OBJECT_TYPES.has(fields.objectType)) {
    fail('INVALID_OBJECT_TYPE', 'Invalid vaultObjectTypes. Should be secret, key, or cert', 'objectType');
  }
  const permission = fields.filePermission;
  let fileMode = defaultFileMode;
  if (permission !== '') {
    const mode = FILE_PERMISSION_PATTERN.test(permission) ? Number.parseInt(permission, 8) : 0;
    if (mode < 1 || mode > 0o777) {
      fail(
        'INVALID_FILE_PERMISSION',
        `file permission must be a valid octal number: ${goQuote(echo(permission))}`,
        'filePermission',
      );
    } else {
      fileMode = mode;
    }
  }
  if (objectVersionHistory < 0) {
    fail(
      'INVALID_OBJECT_VERSION_HISTORY',
      `objectVersionHistory must not be negative: ${objectVersionHistory}`,
      'objectVersionHistory',
    );
  } else if (objectVersionHistory > MAX_OBJECT_VERSION_HISTORY) {
    fail(
      'OBJECT_VERSION_HISTORY_TOO_LARGE',
      `objectVersionHistory ${objectVersionHistory} is over the limit of ${MAX_OBJECT_VERSION_HISTORY}`,
      'objectVersionHistory',
    );
  }
  const extensions = checkExtensions(
    { fields, fieldOffsets, objectVersionHistory, jmesPath: decoded.jmesPath, tags: decoded.tags },
    { index, itemOffset: item.offset, wildcard, format: extendedFormat ?? format.toLowerCase() },
    fail,
  );
  const namePattern = wildcard ? WILDCARD_PATTERN : OBJECT_NAME_PATTERN;
  if (fields.objectName !== '' && !namePattern.test(fields.objectName)) {
    report({
      severity: 'warning',
      code: 'OBJECT_NAME_PATTERN',
      message: `objectName ${goQuote(echo(fields.objectName))} is not a valid Key Vault object name (1-127 characters of 0-9, a-z, A-Z and -)`,
      offset: fieldOffsets.objectName ?? item.offset,
      objectIndex: index,
    });
  }

  const object: KeyVaultObject | undefined = failed
    ? undefined
    : Object.freeze({
        index,
        objectName: fields.objectName,
        objectType: fields.objectType as ObjectType,
        objectAlias: fields.objectAlias,
        objectVersion: fields.objectVersion,
        objectVersionHistory,
        objectFormat: (extendedFormat ??
          (format === '' ? 'pem' : equalFold(format, 'pfx') ? 'pfx' : 'pem')) as ObjectFormat,
        objectEncoding: canonicalEncoding(encoding),
        filePermission: permission,
        fileMode,
        fileName,
        ...extensions.object,
      });
  const claims: PathClaim[] = [];
  if (!pathProblem && !wildcard) {
    const offset = fieldOffsets.objectAlias ?? fieldOffsets.objectName ?? item.offset;
    claims.push({ path: fileName, history: objectVersionHistory, offset });
    claims.push(...extensions.claims);
    if (extensions.object.metadata) {
      claims.push({
        path: `${fileName}${METADATA_SUFFIX}`,
        history: 0,
        offset: fieldOffsets.metadata ?? offset,
      });
    }
  }
  return {
    index,
    offset: item.offset,
    fields,
    objectVersionHistory,
    fileName: pathProblem || wildcard ? undefined : fileName,
    fieldOffsets,
    object,
    claims,
  };
}

// Decodes like the reference's `yaml.Unmarshal(item, &types.KeyVaultObject{})`, then trims.
function decodeItem(
  item: ArrayItem,
  index: number,
  report: Report,
  lexemes: LexemeBudget,
): DecodedItem | undefined {
  return decodeSimpleItem(item) ?? decodeYamlItem(item, index, report, lexemes);
}

/** What a mount may spend on YAML lexemes (input-limits.ts), across the objects text and its items. */
export class LexemeBudget {
  #left: number;
  readonly #limit: number;
  readonly #maxObjects: number;

  constructor(limit: number, maxObjects: number) {
    this.#left = limit;
    this.#limit = limit;
    this.#maxObjects = maxObjects;
  }

  /** Spends the lexemes of `text`; false (and nothing parsed) when they do not fit. */
  take(text: string): boolean {
    const used = countLexemes(text, this.#left);
    if (used === undefined) return false;
    this.#left -= used;
    return true;
  }

  message(): string {
    return `objects is too complex: more than ${this.#limit} YAML tokens (the limit for ${this.#maxObjects} objects per mount)`;
  }
}

export function decodeYamlItem(
  item: ArrayItem,
  index: number,
  report: Report,
  lexemes?: LexemeBudget,
): DecodedItem | undefined {
  const prefix = `unmarshal failed for keyVaultObjects at index ${index}, error: `;
  if (lexemes && !lexemes.take(item.text)) {
    report({
      severity: 'error',
      code: 'OBJECTS_TOO_COMPLEX',
      message: `${prefix}${lexemes.message()}`,
      offset: item.offset,
      objectIndex: index,
    });
    return undefined;
  }
  const source = parseYaml(item.text, { firstDocumentOnly: true });
  const syntax = (problemOffset: number, message: string): undefined => {
    report({
      severity: 'error',
      code: 'INVALID_OBJECT_YAML',
      message: `${prefix}yaml: line ${lineOf(source, problemOffset)}: ${echo(message)}`,
      offset: item.toOuter(problemOffset),
      objectIndex: index,
    });
    return undefined;
  };
  const problem = source.problems[0];
  if (problem) return syntax(problem.offset, problem.message);

  const raw = emptyFields();
  let jmesPath: DecodedJmesPath | undefined;
  let tags: DecodedTags | undefined;
  let objectVersionHistory = 0;
  const fieldOffsets: Partial<Record<ObjectField, number>> = {};
  const errors: { text: string; offset: number }[] = [];
  const typeError = (node: YamlNode, target: string): void => {
    const offset = node.range?.[0] ?? 0;
    errors.push({
      text: goUnmarshalError(node, lineOf(source, offset), target),
      offset: item.toOuter(offset),
    });
  };
  const document = source.documents[0];
  const root = document ? resolveOrNull(document, document.document.contents) : null;
  if (document && root !== null && !isNullScalar(root)) {
    const pairs = isMap(root) ? withMergedKeys(document, root) : undefined;
    if (!isMap(root)) {
      typeError(root, 'types.KeyVaultObject');
    } else if (typeof pairs === 'number') {
      return syntax(pairs, 'map merge requires map or sequence of maps as the value');
    } else {
      for (const pair of pairs ?? []) {
        const key = resolveOrNull(document, pair.key);
        if (key === null || !isScalar(key)) {
          if (key !== null) typeError(key, 'string');
          continue;
        }
        const name = String(key.value);
        const keyOffset = item.toOuter(key.range?.[0] ?? 0);
        const value = resolveOrNull(document, pair.value);
        const valueOffset = value?.range ? item.toOuter(value.range[0]) : keyOffset;
        if (STRING_FIELDS.has(name)) {
          fieldOffsets[name as ObjectTextField] = valueOffset;
          if (value === null || isNullScalar(value)) raw[name as ObjectTextField] = '';
          else if (isScalar(value)) raw[name as ObjectTextField] = String(value.value);
          else typeError(value, 'string');
        } else if (name === 'objectVersionHistory') {
          fieldOffsets.objectVersionHistory = valueOffset;
          if (value === null || isNullScalar(value)) objectVersionHistory = 0;
          else {
            const parsed = isScalar(value) ? readHistory(value) : undefined;
            const shown = isScalar(value) ? String(value.value) : '';
            if (parsed === undefined) typeError(value, 'int32');
            else {
              objectVersionHistory = parsed.value;
              if (parsed.quoted) {
                report({
                  severity: 'warning',
                  code: 'QUOTED_VERSION_HISTORY',
                  message: `objectVersionHistory is quoted (${goQuote(echo(shown))}): the reference provider rejects quoted numbers`,
                  offset: valueOffset,
                  objectIndex: index,
                });
              }
            }
          }
        } else if (name === 'jmesPath' || name === 'tags') {
          fieldOffsets[name] = valueOffset;
          if (value === null || isNullScalar(value)) {
            if (name === 'jmesPath') jmesPath = undefined;
            else tags = undefined;
          } else {
            const local = value.range?.[0] ?? 0;
            const decodedNested =
              name === 'jmesPath'
                ? { jmesPath: decodeJmesPath(document, value, local) }
                : { tags: decodeTags(document, value, local) };
            if (decodedNested.jmesPath) jmesPath = toOuterJmesPath(decodedNested.jmesPath, item.toOuter);
            if (decodedNested.tags) tags = { ...decodedNested.tags, offset: item.toOuter(local) };
          }
        } else {
          const suggestion = suggestName(name, ALL_FIELDS);
          report({
            severity: 'warning',
            code: 'UNKNOWN_OBJECT_FIELD',
            message:
              `unknown field ${goQuote(echo(name))} in object ${index} is ignored` +
              (suggestion ? `; did you mean ${goQuote(suggestion)}?` : ''),
            offset: keyOffset,
            objectIndex: index,
          });
        }
      }
    }
  }
  const aliasProblem = document?.aliasProblem();
  if (aliasProblem) return syntax(aliasProblem.offset, aliasProblem.message);
  if (errors.length > 0) {
    const mountMessage = `${prefix}yaml: unmarshal errors:\n  ${summarize(errors.map((e) => e.text)).join('\n  ')}`;
    errors.forEach((error, i) => {
      report(
        {
          severity: 'error',
          code: 'INVALID_OBJECT_YAML',
          message: `${prefix}yaml: unmarshal errors: ${error.text}`,
          offset: error.offset,
          objectIndex: index,
        },
        i === 0 ? mountMessage : undefined,
      );
    });
    return undefined;
  }
  const fields = { ...raw };
  for (const field of Object.keys(fields) as ObjectTextField[]) fields[field] = goTrimSpace(fields[field]);
  return {
    fields,
    objectVersionHistory,
    fieldOffsets,
    ...(jmesPath ? { jmesPath } : {}),
    ...(tags ? { tags } : {}),
  };
}

/**
 * Go's yaml.v3 honours merge keys (`<<: *base`) when decoding into a struct: merged pairs first
 * (earlier maps of a merge sequence win), explicit pairs last. Returns the offset of a bad merge.
 */
function withMergedKeys(document: YamlDocument, map: YAMLMap): Pair[] | number {
  const merged: Pair[] = [];
  const explicit: Pair[] = [];
  for (const pair of map.items) {
    const key = resolveOrNull(document, pair.key);
    if (!isScalar(key) || key.type !== 'PLAIN' || String(key.value) !== '<<') {
      explicit.push(pair);
      continue;
    }
    const value = resolveOrNull(document, pair.value);
    const sources = isMap(value)
      ? [value]
      : isSeq(value)
        ? value.items.map((i) => resolveOrNull(document, i))
        : [null];
    for (const source of sources.reverse()) {
      if (!isMap(source)) return key.range?.[0] ?? 0;
      merged.push(...source.items);
    }
  }
  return merged.length === 0 ? explicit : [...merged, ...explicit];
}

// `key: value` lines only: known fields, unique keys, plain values of `[A-Za-z0-9_./-]` (not
// starting with `-`), the same characters in double or single quotes (no escapes possible),
// comments, blank lines. Almost every real object has this shape, and decoding it directly is ~10×
// faster than composing a YAML document (and spends none of the mount's lexeme budget). Anything
// else (and every error) takes the full YAML path, so results are identical (fuzz.spec.ts checks).
const SIMPLE_LINE =
  /^([A-Za-z]+):(?: +([A-Za-z0-9_./][A-Za-z0-9_./-]*|"[A-Za-z0-9_./-]*"|'[A-Za-z0-9_./-]*'))?(?: +#.*)? *$/;
const BLANK_OR_COMMENT_LINE = /^ *(?:#.*)?$/;
const PLAIN_NULLS: ReadonlySet<string> = new Set(['null', 'Null', 'NULL']);
const KNOWN_FIELDS: ReadonlySet<string> = new Set([...OBJECT_FIELDS, ...EXTENSION_TEXT_FIELDS]);

export function decodeSimpleItem(item: ArrayItem): DecodedItem | undefined {
  const text = item.text;
  if (text === '' || text.length > 10_000) return undefined;
  const fields = emptyFields();
  const fieldOffsets: Partial<Record<ObjectField, number>> = {};
  let objectVersionHistory = 0;
  let lineStart = 0;
  while (lineStart < text.length) {
    let lineEnd = text.indexOf('\n', lineStart);
    if (lineEnd < 0) lineEnd = text.length;
    const line = text.slice(lineStart, lineEnd);
    const match = SIMPLE_LINE.exec(line);
    if (match) {
      const key = match[1]! as ObjectField;
      if (!KNOWN_FIELDS.has(key) || fieldOffsets[key] !== undefined) return undefined;
      const raw = match[2];
      const quoted = raw !== undefined && (raw.startsWith('"') || raw.startsWith("'"));
      const value = raw === undefined ? '' : quoted ? raw.slice(1, -1) : PLAIN_NULLS.has(raw) ? '' : raw;
      fieldOffsets[key] = item.toOuter(
        raw === undefined ? lineStart : lineStart + line.indexOf(raw, key.length + 1),
      );
      if (key === 'objectVersionHistory') {
        if (quoted) return undefined;
        if (value !== '') {
          if (!/^[0-9]{1,9}$/.test(value)) return undefined;
          objectVersionHistory = Number(value);
        }
      } else {
        fields[key as ObjectTextField] = value;
      }
    } else if (!BLANK_OR_COMMENT_LINE.test(line)) {
      return undefined;
    }
    lineStart = lineEnd + 1;
  }
  return { fields, objectVersionHistory, fieldOffsets };
}

function readHistory(node: Scalar): { value: number; quoted: boolean } | undefined {
  const text = String(node.value);
  const quoted = node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE';
  if (quoted ? !/^[0-9]+$/.test(text) : !/^[-+]?[0-9]+$/.test(text) || node.type !== 'PLAIN')
    return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value > INT32_MAX || value < -INT32_MAX - 1) return undefined;
  return { value: value === 0 ? 0 : value, quoted };
}

// strings.EqualFold against an ASCII word: Unicode simple folding adds `ſ` (s) and `K` (Kelvin, k).
function equalFold(text: string, word: string): boolean {
  if (text.length !== word.length) return false;
  return (
    text
      .toLowerCase()
      .replace(/ſ/g, 's')
      .replace(/\u212a/g, 'k') === word
  );
}

function canonicalEncoding(encoding: string): ObjectEncoding {
  if (equalFold(encoding, 'hex')) return 'hex';
  if (equalFold(encoding, 'base64')) return 'base64';
  return 'utf-8';
}

// Two objects must not write the same file, nor a file where another needs a directory.
// History objects (N > 1) own the directory `<fileName>` with files `0..N-1`. An object may claim
// several paths (jmesPath files, metadata sidecar: docs/extensions.md §3, §5). With split files
// (`--write-cert-and-key-in-separate-files`) a `secret` object that is not `pfx` may also write
// `<fileName>.crt` and `<fileName>.key` (`<fileName>/<i>.crt`, `.key` in history mode): whether it
// does depends on Key Vault (a certificate-backed secret), so those names are claimed up front.
function checkPathConflicts(
  items: readonly AnalyzedObject[],
  report: Report,
  splitCertAndKey: boolean,
): void {
  interface Claim {
    readonly index: number;
    readonly history: number;
    /** The object may write `.crt`/`.key` files beside its own (or beside each version). */
    readonly split: boolean;
    /** Set on the claim of a split file itself. */
    readonly part?: '.crt' | '.key';
  }
  const claims = new Map<string, Claim>();
  const below = new Map<string, { index: number; path: string; history: number }[]>();
  const isDirectory = (claim: Claim): boolean => claim.history > 1;
  const indexUnder = (claim: Claim, rest: string): string | undefined => {
    const first = rest.split('/', 1)[0]!;
    const match = /^(0|[1-9][0-9]*)(\.crt|\.key)?$/.exec(first);
    if (!match || Number(match[1]) >= claim.history) return undefined;
    return match[2] === undefined || claim.split ? first : undefined;
  };
  const entries = items.flatMap((item) => {
    const split =
      splitCertAndKey && item.fields.objectType === 'secret' && !equalFold(item.fields.objectFormat, 'pfx');
    return item.claims.flatMap((pathClaim) => {
      const isMain = pathClaim.path === item.fileName;
      const main = {
        item,
        pathClaim,
        claim: { index: item.index, history: pathClaim.history, split: split && isMain } as Claim,
      };
      if (!split || !isMain || pathClaim.history > 1) return [main];
      const splitFile = (part: '.crt' | '.key') => ({
        item,
        pathClaim: { ...pathClaim, path: `${pathClaim.path}${part}`, history: 0 },
        claim: { index: item.index, history: 0, split: false, part } as Claim,
      });
      return [splitFile('.crt'), splitFile('.key'), main];
    });
  });

  // Objects with other errors take part too, so `lint` reports every conflict; a mount has
  // already failed on those errors (step 14 comes first).
  for (const { item, pathClaim, claim: mine } of entries) {
    const path = pathClaim.path;
    const object = { index: item.index, ...item.fields };
    const conflict = (code: 'DUPLICATE_FILE_PATH' | 'FILE_PATH_CONFLICT', cause: string): void => {
      report({
        severity: 'error',
        code,
        message: wrapObject(item.fields, cause),
        offset: pathClaim.offset,
        objectIndex: object.index,
      });
    };
    const duplicate = (shown: string, other: Claim | number): void => {
      const otherClaim = typeof other === 'number' ? undefined : other;
      const otherIndex = typeof other === 'number' ? other : other.index;
      const splitNote =
        mine.part !== undefined || otherClaim?.part !== undefined || /\/[0-9]+\.(crt|key)$/.test(shown)
          ? ' (a split certificate or key file: --write-cert-and-key-in-separate-files is on)'
          : '';
      conflict(
        'DUPLICATE_FILE_PATH',
        `duplicate file path ${quote(shown)} (objects ${otherIndex} and ${object.index})${splitNote}`,
      );
    };
    const fileIsDirectory = (file: string, fileOwner: number, deeper: string, deeperOwner: number): void =>
      conflict(
        'FILE_PATH_CONFLICT',
        `file path ${quote(file)} (object ${fileOwner}) is also a directory in ${quote(deeper)} (object ${deeperOwner})`,
      );

    const found = ((): boolean => {
      const same = claims.get(path);
      if (same) {
        if (isDirectory(same) === isDirectory(mine)) duplicate(path, same);
        else if (isDirectory(same)) fileIsDirectory(path, object.index, `${path}/0`, same.index);
        else fileIsDirectory(path, same.index, `${path}/0`, object.index);
        return true;
      }
      // An earlier claim at an ancestor of this path.
      for (let at = path.indexOf('/'); at >= 0; at = path.indexOf('/', at + 1)) {
        const ancestor = path.slice(0, at);
        const claim = claims.get(ancestor);
        if (!claim) continue;
        const rest = path.slice(at + 1);
        if (!isDirectory(claim)) {
          fileIsDirectory(ancestor, claim.index, path, object.index);
          return true;
        }
        const version = indexUnder(claim, rest);
        if (version === undefined) continue;
        if (rest === version && !isDirectory(mine)) duplicate(path, claim.index);
        else fileIsDirectory(`${ancestor}/${version}`, claim.index, path, object.index);
        return true;
      }
      // Earlier claims below this path.
      for (const other of below.get(path) ?? []) {
        if (!isDirectory(mine)) {
          fileIsDirectory(path, object.index, other.path, other.index);
          return true;
        }
        const rest = other.path.slice(path.length + 1);
        const version = indexUnder(mine, rest);
        if (version === undefined) continue;
        if (rest === version && other.history <= 1) duplicate(other.path, other.index);
        else fileIsDirectory(`${path}/${version}`, object.index, other.path, other.index);
        return true;
      }
      return false;
    })();
    if (found) continue;
    claims.set(path, mine);
    for (let at = path.indexOf('/'); at >= 0; at = path.indexOf('/', at + 1)) {
      const ancestor = path.slice(0, at);
      const entry = { index: object.index, path, history: pathClaim.history };
      const list = below.get(ancestor);
      if (list) list.push(entry);
      else below.set(ancestor, [entry]);
    }
  }
}

function quote(path: string): string {
  return goQuote(echo(path));
}

/**
 * The reference's per-object wrap; an object with its own `keyvaultName` (extensions.md §2) also
 * names its vault.
 */
export function wrapObject(fields: Readonly<Record<ObjectTextField, string>>, cause: string): string {
  const vault = fields.keyvaultName === '' ? '' : `, keyvaultName:${echo(fields.keyvaultName)}`;
  return `failed to get objectType:${echo(fields.objectType)}, objectName:${echo(fields.objectName)}, objectVersion:${echo(fields.objectVersion)}${vault}: ${cause}`;
}

/** `pem-key` / `pem-cert` (case-insensitive, extensions.md §4), else `undefined`. */
function extendedObjectFormat(format: string): 'pem-key' | 'pem-cert' | undefined {
  if (equalFold(format, 'pem-key')) return 'pem-key';
  if (equalFold(format, 'pem-cert')) return 'pem-cert';
  return undefined;
}

function toOuterJmesPath(decoded: DecodedJmesPath, toOuter: (offset: number) => number): DecodedJmesPath {
  return {
    offset: toOuter(decoded.offset),
    entries: decoded.entries?.map((e) => ({
      ...e,
      offset: toOuter(e.offset),
      pathOffset: toOuter(e.pathOffset),
      aliasOffset: toOuter(e.aliasOffset),
    })),
  };
}
