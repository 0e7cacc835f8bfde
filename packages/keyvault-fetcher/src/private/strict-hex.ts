import { ConversionError } from './conversion-error.js';

function nibble(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  if (byte >= 0x61 && byte <= 0x66) return byte - 0x61 + 10;
  if (byte >= 0x41 && byte <= 0x46) return byte - 0x41 + 10;
  return -1;
}

/** Go's `strconv.IsPrint` for a single byte taken as a rune (Latin-1). */
function isPrintable(byte: number): boolean {
  return (byte >= 0x20 && byte <= 0x7e) || (byte >= 0xa1 && byte !== 0xad);
}

function invalidByte(byte: number): ConversionError {
  const code = `U+${byte.toString(16).toUpperCase().padStart(4, '0')}`;
  const shown = isPrintable(byte) ? ` '${String.fromCharCode(byte)}'` : '';
  return new ConversionError(`encoding/hex: invalid byte: ${code}${shown}`);
}

/**
 * Hex decoding (either case) with the errors of Go's `hex.DecodeString`; `Buffer.from(s, 'hex')`
 * stops silently at the first bad digit.
 */
export function decodeHexStrict(text: string): Uint8Array {
  const src = Buffer.from(text, 'utf8');
  const out = new Uint8Array(src.length >> 1);
  let j = 1;
  for (; j < src.length; j += 2) {
    const p = src[j - 1] as number;
    const q = src[j] as number;
    const hi = nibble(p);
    if (hi < 0) throw invalidByte(p);
    const lo = nibble(q);
    if (lo < 0) throw invalidByte(q);
    out[(j - 1) >> 1] = (hi << 4) | lo;
  }
  if (src.length % 2 === 1) {
    const last = src[j - 1] as number;
    if (nibble(last) < 0) throw invalidByte(last);
    throw new ConversionError('encoding/hex: odd length hex string');
  }
  return out;
}
