import { isMap, isScalar, isSeq, type Pair, type Scalar, type YAMLMap } from 'yaml';
import {
  EXTENSION_NESTED_FIELDS,
  EXTENSION_TEXT_FIELDS,
  OBJECT_FIELDS,
  type ObjectField,
  type ObjectTextField,
} from '../object-fields.js';
import { echo } from './echo.js';
import { goQuote, goTrimSpace } from './go-text.js';
import type { LexemeBudget } from './lexeme-budget.js';
import { type DecodedJmesPath, type DecodedTags, decodeJmesPath, decodeTags } from './nested-fields.js';
import type { Report } from './object-issue.js';
import type { ArrayItem } from './string-array.js';
import { suggestName } from './suggest.js';
import {
  goUnmarshalError,
  isNullScalar,
  lineOf,
  parseYaml,
  resolveOrNull,
  summarizeUnmarshalErrors,
  type YamlDocument,
  type YamlNode,
} from './yaml-source.js';

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

export function emptyFields(): Record<ObjectTextField, string> {
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

const INT32_MAX = 2 ** 31 - 1;

export interface DecodedItem {
  fields: Record<ObjectTextField, string>;
  objectVersionHistory: number;
  fieldOffsets: Partial<Record<ObjectField, number>>;
  jmesPath?: DecodedJmesPath;
  tags?: DecodedTags;
}

// Decodes like the reference's `yaml.Unmarshal(item, &types.KeyVaultObject{})`, then trims; every
// type error is reported (Go lists them all), a syntax error stops the item.
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
    const mountMessage = `${prefix}yaml: unmarshal errors:\n  ${summarizeUnmarshalErrors(errors.map((e) => e.text)).join('\n  ')}`;
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

function readHistory(node: Scalar): { value: number; quoted: boolean } | undefined {
  const text = String(node.value);
  const quoted = node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE';
  if (quoted ? !/^[0-9]+$/.test(text) : !/^[-+]?[0-9]+$/.test(text) || node.type !== 'PLAIN')
    return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value > INT32_MAX || value < -INT32_MAX - 1) return undefined;
  return { value: value === 0 ? 0 : value, quoted };
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
