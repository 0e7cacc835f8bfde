/**
 * Decoding of the Mount request's JSON payloads with Go's `encoding/json` semantics and messages,
 * without ever echoing payload text (it can hold secrets and service-account tokens).
 */

export type JsonKind = 'object' | 'array' | 'string' | 'number' | 'bool' | 'null';

export function jsonKind(value: unknown): JsonKind {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return 'number';
  if (typeof value === 'string') return 'string';
  return 'object';
}

export type JsonResult = { ok: true; value: unknown } | { ok: false; cause: string };

/** JSON.parse with a content-free cause on failure. */
export function parseJson(text: string): JsonResult {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    if (!(error instanceof SyntaxError))
      return { ok: false, cause: 'JSON input too large or too deeply nested' };
    if (/^[ \t\r\n]*$/.test(text) || /end of JSON input/i.test(error.message)) {
      return { ok: false, cause: 'unexpected end of JSON input' };
    }
    const position = /position (\d+)/.exec(error.message)?.[1];
    return { ok: false, cause: position ? `invalid character at offset ${position}` : 'invalid JSON' };
  }
}

/**
 * Decodes into a Go `map[string]string`: `null` is an empty map, a `null` value is `""`, any other
 * non-string is an error. Keys stay data (a `Map`), so `__proto__` is just a key.
 */
export function decodeStringMap(
  text: string,
): { ok: true; map: Map<string, string> } | { ok: false; cause: string } {
  const parsed = parseJson(text);
  if (!parsed.ok) return parsed;
  const value = parsed.value;
  const map = new Map<string, string>();
  if (value === null) return { ok: true, map };
  const kind = jsonKind(value);
  if (kind !== 'object') {
    return { ok: false, cause: `json: cannot unmarshal ${kind} into Go value of type map[string]string` };
  }
  for (const [key, entry] of Object.entries(value as Record<string, unknown>)) {
    if (entry === null) map.set(key, '');
    else if (typeof entry === 'string') map.set(key, entry);
    else
      return { ok: false, cause: `json: cannot unmarshal ${jsonKind(entry)} into Go value of type string` };
  }
  return { ok: true, map };
}
