import { ConversionError } from './conversion-error.js';

const PAD = 0x3d; // '='
const CR = 0x0d;
const LF = 0x0a;

const DECODE_MAP = new Int16Array(256).fill(-1);
for (const [i, c] of [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'].entries()) {
  DECODE_MAP[c.charCodeAt(0)] = i;
}

function illegal(offset: number): ConversionError {
  return new ConversionError(`illegal base64 data at input byte ${offset}`);
}

function isNewline(byte: number | undefined): boolean {
  return byte === CR || byte === LF;
}

/**
 * Standard-alphabet base64 with padding required and CR/LF ignored, failing exactly where Go's
 * `base64.StdEncoding.DecodeString` fails (`illegal base64 data at input byte <n>`, n = 0-based byte
 * offset into the UTF-8 input). `Buffer.from(s, 'base64')` silently skips junk, which would turn a
 * typo into wrong file contents.
 */
export function decodeBase64Strict(text: string): Uint8Array {
  const src = Buffer.from(text, 'utf8');
  const out = new Uint8Array(Math.floor(src.length / 4) * 3 + 3);
  let n = 0;
  let si = 0;
  while (si < src.length) {
    const quantum = [0, 0, 0, 0];
    let dlen = 4;
    let j = 0;
    let trailing: number | undefined;
    while (j < 4) {
      if (si === src.length) {
        if (j === 0) return out.slice(0, n);
        throw illegal(si - j);
      }
      const byte = src[si] as number;
      si++;
      const value = DECODE_MAP[byte] as number;
      if (value >= 0) {
        quantum[j] = value;
        j++;
        continue;
      }
      if (isNewline(byte)) continue;
      if (byte !== PAD) throw illegal(si - 1);
      if (j < 2) throw illegal(si - 1);
      if (j === 2) {
        while (si < src.length && isNewline(src[si])) si++;
        if (si === src.length) throw illegal(src.length);
        if (src[si] !== PAD) throw illegal(si - 1);
        si++;
      }
      while (si < src.length && isNewline(src[si])) si++;
      if (si < src.length) trailing = si;
      dlen = j;
      break;
    }
    const [a = 0, b = 0, c = 0, d = 0] = quantum;
    const value = (a << 18) | (b << 12) | (c << 6) | d;
    if (dlen > 1) out[n++] = (value >> 16) & 0xff;
    if (dlen > 2) out[n++] = (value >> 8) & 0xff;
    if (dlen > 3) out[n++] = value & 0xff;
    if (trailing !== undefined) throw illegal(trailing);
  }
  return out.slice(0, n);
}
