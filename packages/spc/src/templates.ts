import { type CompiledTemplate, compileTemplate, TemplateCompileError } from '@keyvault-csi/templates';
import { isMap, isScalar } from 'yaml';
import type { DiagnosticCode, DiagnosticSeverity } from './diagnostic.js';
import { checkFilePath } from './file-path.js';
import { MAX_TEMPLATE_BYTES, MAX_TEMPLATES_BYTES, overLimit, utf8Length } from './input-limits.js';
import type { KeyVaultObject, TemplateFile } from './mount-plan.js';
import type { AnalyzedObject } from './private/analyzed-object.js';
import { echo } from './private/echo.js';
import { goQuote, goTrimSpace } from './private/go-text.js';
import { METADATA_SUFFIX } from './private/object-extensions.js';
import { type ArrayItem, readStringArray } from './private/string-array.js';
import { suggestName } from './private/suggest.js';
import {
  goUnmarshalError,
  isNullScalar,
  lineOf,
  parseYaml,
  resolveOrNull,
  summarizeUnmarshalErrors,
  valueToSourceOffset,
  type YamlNode,
} from './private/yaml-source.js';
import { SpcError, type SpcErrorCode } from './spc-error.js';

/** The keys of one `templates` entry (extensions.md §8); every other key is ignored. */
export const TEMPLATE_FIELDS = ['fileName', 'filePermission', 'template'] as const;
export type TemplateField = (typeof TEMPLATE_FIELDS)[number];

const FILE_PERMISSION_PATTERN = /^[0-7]{1,4}$/;

/** One finding, located by its offset in the analysed `templates` text. */
export interface TemplateIssue {
  readonly severity: DiagnosticSeverity;
  readonly code: DiagnosticCode;
  readonly message: string;
  readonly offset: number;
}

export interface AnalyzedTemplate {
  readonly index: number;
  readonly offset: number;
  /** Offset of the `fileName` value (the item when absent). */
  readonly fileNameOffset: number;
  /** Trimmed `fileName` when valid, else `undefined`. */
  readonly fileName: string | undefined;
  readonly compiled: CompiledTemplate | undefined;
  /** Maps an offset in the template text to one in the `templates` text. */
  readonly templateToOuter: (offset: number) => number;
  readonly file: TemplateFile | undefined;
}

export interface TemplatesAnalysis {
  readonly templates: TemplateFile[];
  readonly items: readonly AnalyzedTemplate[];
  readonly issues: readonly TemplateIssue[];
  readonly firstError: SpcError | undefined;
}

/** A path the objects of the mount write: a file, or (objectVersionHistory > 1) a directory `path/0..N-1`. */
export interface ObjectPathClaim {
  readonly path: string;
  readonly history: number;
  readonly objectIndex: number;
}

/**
 * The paths the analysed objects claim before fetching (`lint`): each main file, `jmesPath` file and
 * metadata sidecar (extensions.md §3, §5; a wildcard claims none). With split files
 * (`--write-cert-and-key-in-separate-files`) a non-`pfx` secret may also write `<file>.crt`/`.key`
 * (beside each version in history mode).
 */
export function objectPathClaims(
  items: readonly AnalyzedObject[],
  options: { readonly splitCertAndKeyFiles?: boolean } = {},
): ObjectPathClaim[] {
  const claims: ObjectPathClaim[] = [];
  for (const item of items) {
    const splits =
      (options.splitCertAndKeyFiles ?? false) &&
      item.fields.objectType === 'secret' &&
      item.fields.objectFormat.toLowerCase() !== 'pfx';
    for (const claim of item.claims) {
      claims.push({ path: claim.path, history: claim.history, objectIndex: item.index });
      if (splits && claim.path === item.fileName)
        addSplitClaims(claims, claim.path, claim.history, item.index);
    }
  }
  return claims;
}

/**
 * The same claims from validated objects (a mount, whose objects may come from a cache): the main
 * file, `jmesPath` files and metadata sidecar of every object but wildcards, whose files are known
 * only after listing the vault (`renderTemplates` checks those).
 */
export function planPathClaims(
  objects: readonly KeyVaultObject[],
  options: { readonly splitCertAndKeyFiles?: boolean } = {},
): ObjectPathClaim[] {
  const claims: ObjectPathClaim[] = [];
  for (const object of objects) {
    if (object.wildcard) continue;
    const { fileName: path, objectVersionHistory: history, index: objectIndex } = object;
    claims.push({ path, history, objectIndex });
    for (const file of object.jmesPath ?? [])
      claims.push({ path: file.objectAlias, history: 0, objectIndex });
    if (object.metadata) {
      claims.push({ path: `${path}${object.metadataSuffix ?? METADATA_SUFFIX}`, history: 0, objectIndex });
    }
    if (
      (options.splitCertAndKeyFiles ?? false) &&
      object.objectType === 'secret' &&
      object.objectFormat !== 'pfx'
    ) {
      addSplitClaims(claims, path, history, objectIndex);
    }
  }
  return claims;
}

function addSplitClaims(claims: ObjectPathClaim[], path: string, history: number, objectIndex: number): void {
  const bases = history > 1 ? Array.from({ length: history }, (_, i) => `${path}/${i}`) : [path];
  for (const base of bases) {
    claims.push({ path: `${base}.crt`, history: 0, objectIndex });
    claims.push({ path: `${base}.key`, history: 0, objectIndex });
  }
}

/**
 * Parses the (trimmed) `templates` parameter: the two-level YAML of `objects`, each entry with
 * `fileName`, `filePermission` and `template`; validates every file name (and its collisions with
 * the objects' files and the other templates) and compiles every template, before any network call.
 */
export function analyzeTemplates(
  text: string,
  defaultFileMode: number,
  objectClaims: readonly ObjectPathClaim[],
  options: {
    readonly firstErrorOnly?: boolean;
    /** Compiles one template (default `compileTemplate`; a `TemplateCache`'s `compile` to share). */
    readonly compile?: (source: string) => CompiledTemplate;
  } = {},
): TemplatesAnalysis {
  const compile = options.compile ?? compileTemplate;
  const issues: TemplateIssue[] = [];
  let firstError: SpcError | undefined;
  const report = (issue: TemplateIssue, mountMessage = issue.message): void => {
    issues.push(issue);
    if (issue.severity === 'error' && firstError === undefined) {
      firstError = new SpcError(issue.code as SpcErrorCode, mountMessage);
    }
  };
  const done = (items: AnalyzedTemplate[] = []): TemplatesAnalysis => ({
    templates: firstError ? [] : items.flatMap((item) => (item.file ? [item.file] : [])),
    items,
    issues,
    firstError,
  });

  const bytes = utf8Length(text);
  if (bytes > MAX_TEMPLATES_BYTES) {
    report({
      severity: 'error',
      code: 'TEMPLATES_TOO_LARGE',
      message: `templates is ${overLimit(bytes, MAX_TEMPLATES_BYTES)}`,
      offset: 0,
    });
    return done();
  }
  const outer = readStringArray(text);
  if (outer.kind === 'syntax') {
    report({
      severity: 'error',
      code: 'INVALID_TEMPLATES_YAML',
      message: `failed to yaml unmarshal templates, error: yaml: line ${outer.line}: ${echo(outer.message)}`,
      offset: outer.offset,
    });
    return done();
  }
  if (outer.kind === 'type') {
    const prefix = 'failed to yaml unmarshal templates, error: yaml: unmarshal errors:';
    const mountMessage = `${prefix}\n  ${summarizeUnmarshalErrors(outer.errors.map((e) => e.text)).join('\n  ')}`;
    outer.errors.forEach((error, i) => {
      report(
        {
          severity: 'error',
          code: 'INVALID_TEMPLATES_YAML',
          message: `${prefix} ${error.text}`,
          offset: error.offset,
        },
        i === 0 ? mountMessage : undefined,
      );
    });
    return done();
  }

  const items: AnalyzedTemplate[] = [];
  for (const [index, item] of outer.items.entries()) {
    const itemBytes = utf8Length(item.text);
    if (itemBytes > MAX_TEMPLATE_BYTES) {
      report({
        severity: 'error',
        code: 'TEMPLATE_TOO_LARGE',
        message: `template at index ${index}: entry is ${overLimit(itemBytes, MAX_TEMPLATE_BYTES)}`,
        offset: item.offset,
      });
    } else {
      const analyzed = analyzeItem(item, index, defaultFileMode, compile, report);
      if (analyzed) items.push(analyzed);
    }
    if (options.firstErrorOnly && firstError) return done(items);
  }
  checkCollisions(items, objectClaims, report);
  return done(items);
}

type Report = (issue: TemplateIssue, mountMessage?: string) => void;

interface DecodedTemplate {
  readonly fields: Record<TemplateField, string>;
  readonly offsets: Partial<Record<TemplateField, number>>;
  /** Maps an offset in the (verbatim) template text to one in the item text. */
  readonly templateToItem: (offset: number) => number;
}

function analyzeItem(
  item: ArrayItem,
  index: number,
  defaultFileMode: number,
  compile: (source: string) => CompiledTemplate,
  report: Report,
): AnalyzedTemplate | undefined {
  const decoded = decodeItem(item, index, report);
  if (!decoded) return undefined;
  const { fields, offsets } = decoded;
  const templateToOuter = (offset: number): number => item.toOuter(decoded.templateToItem(offset));
  const fileName = goTrimSpace(fields.fileName);
  const name = fileName === '' ? `template at index ${index}` : `template ${echo(fileName)}`;
  let failed = false;
  const fail = (code: SpcErrorCode, cause: string, offset: number): void => {
    failed = true;
    report({ severity: 'error', code, message: `${name}: ${cause}`, offset });
  };

  let validName: string | undefined;
  if (fileName === '') {
    fail('TEMPLATE_FILE_NAME_MISSING', 'fileName is not set', offsets.fileName ?? item.offset);
  } else {
    const problem = checkFilePath(fileName);
    if (problem) fail(problem.code, problem.message, offsets.fileName ?? item.offset);
    else validName = fileName;
  }
  const permission = goTrimSpace(fields.filePermission);
  let fileMode = defaultFileMode;
  if (permission !== '') {
    const mode = FILE_PERMISSION_PATTERN.test(permission) ? Number.parseInt(permission, 8) : 0;
    if (mode < 1 || mode > 0o777) {
      fail(
        'INVALID_FILE_PERMISSION',
        `file permission must be a valid octal number: ${goQuote(echo(permission))}`,
        offsets.filePermission ?? item.offset,
      );
    } else {
      fileMode = mode;
    }
  }
  let compiled: CompiledTemplate | undefined;
  if (offsets.template === undefined || fields.template === '') {
    fail('TEMPLATE_MISSING', 'template is not set', offsets.template ?? item.offset);
  } else {
    try {
      compiled = compile(fields.template);
    } catch (error) {
      const cause = error instanceof TemplateCompileError ? error.message : 'cannot be compiled';
      const at = error instanceof TemplateCompileError ? error.position?.offset : undefined;
      fail('INVALID_TEMPLATE', cause, at === undefined ? offsets.template : templateToOuter(at));
    }
  }
  const file: TemplateFile | undefined =
    failed || validName === undefined || compiled === undefined
      ? undefined
      : Object.freeze({
          index,
          fileName: validName,
          filePermission: permission,
          fileMode,
          template: compiled,
        });
  return {
    index,
    offset: item.offset,
    fileNameOffset: offsets.fileName ?? item.offset,
    fileName: validName,
    compiled,
    templateToOuter,
    file,
  };
}

function decodeItem(item: ArrayItem, index: number, report: Report): DecodedTemplate | undefined {
  const prefix = `failed to yaml unmarshal template at index ${index}, error: `;
  const source = parseYaml(item.text, { firstDocumentOnly: true });
  const syntax = (offset: number, message: string): undefined => {
    report({
      severity: 'error',
      code: 'INVALID_TEMPLATE_YAML',
      message: `${prefix}yaml: line ${lineOf(source, offset)}: ${echo(message)}`,
      offset: item.toOuter(offset),
    });
    return undefined;
  };
  const problem = source.problems[0];
  if (problem) return syntax(problem.offset, problem.message);
  const fields: Record<TemplateField, string> = { fileName: '', filePermission: '', template: '' };
  const offsets: Partial<Record<TemplateField, number>> = {};
  let templateToItem: (offset: number) => number = () => 0;
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
    if (!isMap(root)) {
      typeError(root, 'template');
    } else {
      for (const pair of root.items) {
        const key = resolveOrNull(document, pair.key);
        if (key === null || !isScalar(key)) {
          if (key !== null) typeError(key, 'string');
          continue;
        }
        const name = String(key.value);
        const keyOffset = key.range?.[0] ?? 0;
        const value = resolveOrNull(document, pair.value);
        if ((TEMPLATE_FIELDS as readonly string[]).includes(name)) {
          const field = name as TemplateField;
          offsets[field] = item.toOuter(value?.range?.[0] ?? keyOffset);
          if (value === null || isNullScalar(value)) fields[field] = '';
          else if (isScalar(value)) {
            fields[field] = String(value.value);
            if (field === 'template') templateToItem = valueToSourceOffset(value, item.text);
          } else typeError(value, 'string');
        } else {
          const suggestion = suggestName(name, TEMPLATE_FIELDS);
          report({
            severity: 'warning',
            code: 'UNKNOWN_TEMPLATE_FIELD',
            message:
              `unknown field ${goQuote(echo(name))} in template ${index} is ignored` +
              (suggestion ? `; did you mean ${goQuote(suggestion)}?` : ''),
            offset: item.toOuter(keyOffset),
          });
        }
      }
    }
  }
  const aliasProblem = document?.aliasProblem();
  if (aliasProblem) return syntax(aliasProblem.offset, aliasProblem.message);
  if (errors.length > 0) {
    const mountMessage = `${prefix}yaml: unmarshal errors:\n  ${summarizeUnmarshalErrors(errors.map((e) => e.text)).join('\n  ')}`;
    errors.forEach((error, i) => {
      report(
        {
          severity: 'error',
          code: 'INVALID_TEMPLATE_YAML',
          message: `${prefix}yaml: unmarshal errors: ${error.text}`,
          offset: error.offset,
        },
        i === 0 ? mountMessage : undefined,
      );
    });
    return undefined;
  }
  return { fields, offsets, templateToItem };
}

// A template's file must not be a file of an object or of an earlier template, nor sit where one of
// them needs a directory (or the reverse). History objects own `<path>/0..N-1`.
function checkCollisions(
  items: readonly AnalyzedTemplate[],
  objects: readonly ObjectPathClaim[],
  report: Report,
): void {
  interface Claim {
    readonly owner: string;
    readonly directory: boolean;
  }
  const claims = new Map<string, Claim>();
  const add = (path: string, claim: Claim): void => {
    claims.set(path, claim);
    for (let at = path.indexOf('/'); at >= 0; at = path.indexOf('/', at + 1)) {
      const ancestor = path.slice(0, at);
      if (!claims.has(ancestor)) claims.set(ancestor, { owner: claim.owner, directory: true });
    }
  };
  for (const object of objects) {
    const owner = `object ${object.objectIndex}`;
    if (object.history > 1) {
      add(object.path, { owner, directory: true });
      for (let version = 0; version < object.history; version++) {
        add(`${object.path}/${version}`, { owner, directory: false });
      }
    } else {
      add(object.path, { owner, directory: false });
    }
  }
  for (const item of items) {
    const path = item.fileName;
    if (path === undefined) continue;
    const owner = `template ${item.index}`;
    const conflict = (code: SpcErrorCode, cause: string): void =>
      report({
        severity: 'error',
        code,
        message: `template ${echo(path)}: ${cause}`,
        offset: item.fileNameOffset,
      });
    const same = claims.get(path);
    if (same) {
      if (same.directory) {
        conflict('FILE_PATH_CONFLICT', `file path ${quote(path)} is also a directory of ${same.owner}`);
      } else {
        conflict('DUPLICATE_FILE_PATH', `duplicate file path ${quote(path)} (${same.owner} and ${owner})`);
      }
      continue;
    }
    let found = false;
    for (let at = path.indexOf('/'); at >= 0 && !found; at = path.indexOf('/', at + 1)) {
      const ancestor = claims.get(path.slice(0, at));
      if (ancestor && !ancestor.directory) {
        conflict(
          'FILE_PATH_CONFLICT',
          `file path ${quote(path.slice(0, at))} (${ancestor.owner}) is also a directory in ${quote(path)}`,
        );
        found = true;
      }
    }
    if (!found) add(path, { owner, directory: false });
  }
}

function quote(path: string): string {
  return goQuote(echo(path));
}
