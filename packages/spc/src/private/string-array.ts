import { isMap, isScalar, isSeq } from 'yaml';
import {
  goUnmarshalError,
  isNullScalar,
  lineOf,
  parseYaml,
  resolveOrNull,
  valueToSourceOffset,
  type YamlNode,
} from './yaml-source.js';

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
