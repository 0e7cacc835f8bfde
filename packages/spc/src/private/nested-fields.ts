import { isMap, isScalar, isSeq } from 'yaml';
import { isNullScalar, type YamlDocument, type YamlNode } from './yaml-source.js';

/**
 * The two nested per-object keys of our extensions (extensions.md §3 and §6), read from the YAML
 * tree into plain values with the offsets `lint` needs. Shape problems are kept, not thrown: the
 * object's checks report them with the object's error wrap.
 */

export interface JmesPathEntry {
  /** Offset of the entry (in the item text). */
  readonly offset: number;
  /** Every key of the mapping, as written. */
  readonly keys: readonly string[];
  /** `undefined` when missing or not text. */
  readonly path: string | undefined;
  readonly objectAlias: string | undefined;
  readonly pathOffset: number;
  readonly aliasOffset: number;
}

/** `entries` is `undefined` when the value is not a sequence of mappings. */
export interface DecodedJmesPath {
  readonly offset: number;
  readonly entries: readonly JmesPathEntry[] | undefined;
}

/** `tags` is `undefined` when the value is not a mapping of text to text. */
export interface DecodedTags {
  readonly offset: number;
  readonly tags: Readonly<Record<string, string>> | undefined;
}

type Resolve = (node: unknown) => YamlNode | null;

function resolver(document: YamlDocument): Resolve {
  return (node) => (node === null || node === undefined ? null : (document.resolve(node) ?? null));
}

function scalarText(node: YamlNode | null): string | undefined {
  return node !== null && isScalar(node) && !isNullScalar(node) ? String(node.value) : undefined;
}

export function decodeJmesPath(document: YamlDocument, value: YamlNode, offset: number): DecodedJmesPath {
  const resolve = resolver(document);
  if (!isSeq(value)) return { offset, entries: undefined };
  const entries: JmesPathEntry[] = [];
  for (const item of value.items) {
    const entry = resolve(item);
    if (entry === null || !isMap(entry)) return { offset, entries: undefined };
    const keys: string[] = [];
    let path: string | undefined;
    let objectAlias: string | undefined;
    let pathOffset = entry.range?.[0] ?? offset;
    let aliasOffset = pathOffset;
    for (const pair of entry.items) {
      const key = scalarText(resolve(pair.key));
      if (key === undefined) return { offset, entries: undefined };
      keys.push(key);
      const node = resolve(pair.value);
      const at = node?.range?.[0] ?? entry.range?.[0] ?? offset;
      if (key === 'path') {
        path = scalarText(node);
        pathOffset = at;
      } else if (key === 'objectAlias') {
        objectAlias = scalarText(node);
        aliasOffset = at;
      }
    }
    entries.push({ offset: entry.range?.[0] ?? offset, keys, path, objectAlias, pathOffset, aliasOffset });
  }
  return { offset, entries };
}

export function decodeTags(document: YamlDocument, value: YamlNode, offset: number): DecodedTags {
  const resolve = resolver(document);
  if (!isMap(value)) return { offset, tags: undefined };
  const tags: Record<string, string> = Object.create(null);
  for (const pair of value.items) {
    const key = scalarText(resolve(pair.key));
    const node = resolve(pair.value);
    const text = node !== null && isScalar(node) ? (isNullScalar(node) ? '' : String(node.value)) : undefined;
    if (key === undefined || text === undefined) return { offset, tags: undefined };
    tags[key] = text;
  }
  return { offset, tags: { ...tags } };
}
