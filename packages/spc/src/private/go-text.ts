/**
 * Go's text semantics, where the reference's behaviour (and error text) depends on them and
 * JavaScript differs.
 */

/** strings.TrimSpace. Unlike String#trim it strips U+0085 (NEL) and keeps U+FEFF (BOM). */
export function goTrimSpace(text: string): string {
  let end = text.length;
  while (end > 0 && isGoSpace(text.charCodeAt(end - 1))) end--;
  let start = 0;
  while (start < end && isGoSpace(text.charCodeAt(start))) start++;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

/** Number of characters `goTrimSpace` removes at the start. */
export function goLeadingSpaceLength(text: string): number {
  let start = 0;
  while (start < text.length && isGoSpace(text.charCodeAt(start))) start++;
  return start;
}

/** unicode.IsSpace for one UTF-16 unit (every Go space is in the BMP). */
export function isGoSpace(code: number): boolean {
  if (code <= 0x20) return code === 0x20 || (code >= 0x09 && code <= 0x0d);
  if (code < 0x85) return false;
  return (
    code === 0x85 ||
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000
  );
}

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;

/** strconv.Quote: printable runes verbatim, Go escapes for everything else. */
export function goQuote(text: string): string {
  let out = '"';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    switch (char) {
      case '"':
        out += '\\"';
        continue;
      case '\\':
        out += '\\\\';
        continue;
      case '\x07':
        out += '\\a';
        continue;
      case '\b':
        out += '\\b';
        continue;
      case '\f':
        out += '\\f';
        continue;
      case '\n':
        out += '\\n';
        continue;
      case '\r':
        out += '\\r';
        continue;
      case '\t':
        out += '\\t';
        continue;
      case '\v':
        out += '\\v';
        continue;
    }
    if (code === 0x20 || (code >= 0xd800 && code <= 0xdfff ? false : PRINTABLE.test(char))) {
      out += char;
    } else if (code < 0x20 || code === 0x7f) {
      out += `\\x${hex(code, 2)}`;
    } else if (code >= 0xd800 && code <= 0xdfff) {
      // A lone surrogate: Go's JSON decoder would already have replaced it with U+FFFD.
      out += '\ufffd';
    } else if (code < 0x10000) {
      out += `\\u${hex(code, 4)}`;
    } else {
      out += `\\U${hex(code, 8)}`;
    }
  }
  return `${out}"`;
}

function hex(code: number, width: number): string {
  return code.toString(16).padStart(width, '0');
}

const TRUE_TEXTS = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE_TEXTS = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** strconv.ParseBool; `undefined` means `invalid syntax`. */
export function goParseBool(text: string): boolean | undefined {
  if (TRUE_TEXTS.has(text)) return true;
  if (FALSE_TEXTS.has(text)) return false;
  return undefined;
}

/** strings.ToUpper: simple (one-to-one) case mapping, so `ß` stays `ß` where JavaScript gives `SS`. */
export function goToUpper(text: string): string {
  let out = '';
  for (const char of text) {
    const upper = char.toUpperCase();
    out += upper.length === char.length ? upper : char;
  }
  return out;
}

// strings.EqualFold against an ASCII word: Unicode simple folding adds `ſ` (s) and `K` (Kelvin, k).
export function equalFold(text: string, word: string): boolean {
  if (text.length !== word.length) return false;
  return (
    text
      .toLowerCase()
      .replace(/ſ/g, 's')
      .replace(/\u212a/g, 'k') === word
  );
}
