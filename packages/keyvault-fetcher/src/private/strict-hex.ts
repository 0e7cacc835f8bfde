import { ConversionError } from './conversion-error.js';

function nibble(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  if (byte >= 0x61 && byte <= 0x66) return byte - 0x61 + 10;
  if (byte >= 0x41 && byte <= 0x46) return byte - 0x41 + 10;
  return -1;
}

/**
 * Go says `encoding/hex: invalid byte: U+0067 'g'`: one byte of the secret, which ends up in the
 * status message and so in pod events. We give its offset instead (like Go's base64 errors do).
 */
function invalidByte(offset: number): ConversionError {
  return new ConversionError(`encoding/hex: invalid byte at input byte ${offset}`);
}

/**
 * Hex decoding (either case), failing where Go's `hex.DecodeString` fails (the same odd-length
 * text; an invalid byte by its 0-based offset into the UTF-8 input, never its value);
 * `Buffer.from(s, 'hex')` stops silently at the first bad digit.
 */
export function decodeHexStrict(text: string): Uint8Array {
  const src = Buffer.from(text, 'utf8');
  const out = new Uint8Array(src.length >> 1);
  let j = 1;
  for (; j < src.length; j += 2) {
    const p = src[j - 1] as number;
    const q = src[j] as number;
    const hi = nibble(p);
    if (hi < 0) throw invalidByte(j - 1);
    const lo = nibble(q);
    if (lo < 0) throw invalidByte(j);
    out[(j - 1) >> 1] = (hi << 4) | lo;
  }
  if (src.length % 2 === 1) {
    const last = src[j - 1] as number;
    if (nibble(last) < 0) throw invalidByte(j - 1);
    throw new ConversionError('encoding/hex: odd length hex string');
  }
  return out;
}
