import {
  EXTENSION_TEXT_FIELDS,
  OBJECT_FIELDS,
  type ObjectField,
  type ObjectTextField,
} from '../object-fields.js';
import { type DecodedItem, emptyFields } from './decode-object.js';
import type { ArrayItem } from './string-array.js';

// `key: value` lines only: known fields, unique keys, plain values of `[A-Za-z0-9_./-]` (not
// starting with `-`), the same characters in double or single quotes (no escapes possible),
// comments, blank lines. Almost every real object has this shape, and decoding it directly is ~10×
// faster than composing a YAML document (and spends none of the mount's lexeme budget). Anything
// else (and every error) takes the full YAML path, so results are identical (../fuzz.spec.ts checks).
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
