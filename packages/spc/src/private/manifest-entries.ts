import { isMap, isScalar, type YAMLMap } from 'yaml';
import type { DiagnosticCode, DiagnosticSeverity } from '../diagnostic.js';
import { isNullScalar, type YamlDocument, type YamlNode } from './yaml-source.js';

/** One finding in a manifest, located by offset. */
export interface ManifestIssue {
  readonly severity: DiagnosticSeverity;
  readonly code: DiagnosticCode;
  readonly message: string;
  readonly offset: number;
}

/** A mapping entry with the offsets `lint` points at. */
export interface Entry {
  readonly keyOffset: number;
  readonly value: YamlNode | null;
  readonly valueOffset: number;
}

export function entriesOf(document: YamlDocument, map: YAMLMap): Map<string, Entry> {
  const entries = new Map<string, Entry>();
  for (const pair of map.items) {
    const key = pair.key === null ? null : (document.resolve(pair.key) ?? null);
    if (key === null || !isScalar(key)) continue;
    const keyOffset = key.range?.[0] ?? 0;
    const value = pair.value === null ? null : (document.resolve(pair.value) ?? null);
    // An alias keeps the position of the reference, not of the anchored node.
    const valueOffset = offsetOf(pair.value, keyOffset);
    entries.set(String(key.value), { keyOffset, value, valueOffset });
  }
  return entries;
}

export function offsetOf(node: unknown, fallback: number): number {
  const range = (node as { range?: readonly number[] } | null)?.range;
  return range?.[0] ?? fallback;
}

export function entryFor(document: YamlDocument, node: unknown): Entry {
  const offset = offsetOf(node, 0);
  return {
    keyOffset: offset,
    value: node === null ? null : (document.resolve(node) ?? null),
    valueOffset: offset,
  };
}

export function mapEntries(
  document: YamlDocument,
  entry: Entry | undefined,
  where: string,
  issues: ManifestIssue[],
): Map<string, Entry> | undefined {
  if (!entry || entry.value === null || isNullScalar(entry.value)) return undefined;
  if (!isMap(entry.value)) {
    issues.push({
      severity: 'error',
      code: 'INVALID_MANIFEST',
      message: `${where} must be a mapping`,
      offset: entry.valueOffset,
    });
    return undefined;
  }
  return entriesOf(document, entry.value);
}

export function text(entry: Entry | undefined): string {
  const value = entry?.value;
  if (!value || !isScalar(value) || isNullScalar(value)) return '';
  return String(value.value);
}

export function requiredText(
  entries: Map<string, Entry>,
  key: string,
  where: string,
  offset: number,
  issues: ManifestIssue[],
): string {
  const value = text(entries.get(key));
  if (value === '') {
    issues.push({ severity: 'error', code: 'MISSING_FIELD', message: `${where}.${key} is required`, offset });
  }
  return value;
}

export function stringRecord(
  document: YamlDocument,
  entry: Entry | undefined,
  where: string,
  issues: ManifestIssue[],
): Readonly<Record<string, string>> {
  const record: Record<string, string> = Object.create(null);
  for (const [key, value] of mapEntries(document, entry, where, issues) ?? []) record[key] = text(value);
  return Object.freeze(record);
}
