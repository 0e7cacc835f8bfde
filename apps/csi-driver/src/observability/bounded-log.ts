/**
 * Bounds on what a log line can carry. Most logged values come from a Mount request (pod name,
 * namespace, SecretProviderClass name, object names) or echo one (error texts), and a namespace
 * user controls those: without a bound one request could write a megabyte into a single line.
 */

/** Longest string field in a log line (names, ids), in UTF-16 code units. */
export const MAX_LOG_VALUE_CHARS = 256;
/** Longest error text in a log line (`error`, `err`): enough for a multi-object failure summary. */
export const MAX_LOG_ERROR_CHARS = 1024;
/** Longest message (`msg`). */
export const MAX_LOG_MESSAGE_CHARS = 512;
/** Fields are dropped once a line's fields reach this many bytes: a whole line stays under 4 KiB. */
export const MAX_LOG_FIELDS_BYTES = 3072;

const ERROR_KEYS = new Set(['error', 'err', 'reason']);
/** Deeper than this, a nested value is replaced by a placeholder. */
const MAX_DEPTH = 3;
/** Items kept of an array or keys of an object in a nested value. */
const MAX_ITEMS = 32;

/**
 * Cuts `text` to at most `maxChars` code units (never inside a surrogate pair) and marks the cut
 * with the number of characters left out, so a reader knows the value was longer.
 */
export function boundLogText(text: string, maxChars = MAX_LOG_VALUE_CHARS): string {
  if (text.length <= maxChars) return text;
  let end = maxChars;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${text.slice(0, end)}…(${text.length - end} more characters)`;
}

/**
 * The fields of one log line with every string bounded (error texts to {@link MAX_LOG_ERROR_CHARS},
 * others to {@link MAX_LOG_VALUE_CHARS}), nested values bounded in depth and width, and fields
 * after the first {@link MAX_LOG_FIELDS_BYTES} bytes dropped (counted in `droppedFields`).
 */
export function boundLogFields(fields: Record<string, unknown>): Record<string, unknown> {
  const bounded: Record<string, unknown> = {};
  let bytes = 0;
  let dropped = 0;
  for (const [key, value] of Object.entries(fields)) {
    const safeKey = boundLogText(key, 64);
    const safeValue = boundValue(value, ERROR_KEYS.has(key) ? MAX_LOG_ERROR_CHARS : MAX_LOG_VALUE_CHARS, 0);
    const size = Buffer.byteLength(JSON.stringify(safeValue) ?? '', 'utf8') + safeKey.length + 4;
    if (bytes + size > MAX_LOG_FIELDS_BYTES) {
      dropped++;
      continue;
    }
    bytes += size;
    bounded[safeKey] = safeValue;
  }
  if (dropped > 0) bounded['droppedFields'] = dropped;
  return bounded;
}

function boundValue(value: unknown, maxChars: number, depth: number): unknown {
  if (typeof value === 'string') return boundLogText(value, maxChars);
  if (value === null || typeof value !== 'object') return value;
  // An error logs as its text only, as the reference logs `err.Error()`.
  if (value instanceof Error) return boundLogText(value.message, MAX_LOG_ERROR_CHARS);
  if (depth >= MAX_DEPTH) return Array.isArray(value) ? '[array]' : '[object]';
  if (Array.isArray(value)) {
    const items = value.slice(0, MAX_ITEMS).map((item) => boundValue(item, maxChars, depth + 1));
    if (value.length > MAX_ITEMS) items.push(`…(${value.length - MAX_ITEMS} more items)`);
    return items;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  const out: Record<string, unknown> = {};
  for (const [key, item] of entries.slice(0, MAX_ITEMS)) {
    out[boundLogText(key, 64)] = boundValue(item, maxChars, depth + 1);
  }
  if (entries.length > MAX_ITEMS) out['…'] = `${entries.length - MAX_ITEMS} more keys`;
  return out;
}
