import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConversionError } from './conversion-error.js';
import { decodeBase64Strict } from './strict-base64.js';

const text = (s: string): string => Buffer.from(decodeBase64Strict(s)).toString('utf8');

describe('decodeBase64Strict', () => {
  it('decodes the docs/object-outputs.md §2.1 vector', () => {
    expect(text('QmFzZTY0RW5jb2RlZFN0cmluZw==')).toBe('Base64EncodedString');
  });

  it('ignores CR and LF anywhere, including inside the padding', () => {
    expect(text('YWJj\nZGVm')).toBe('abcdef');
    expect(text('YWJj\r\nZA==\r\n')).toBe('abcd');
    expect(text('YW\nJjZA=\n=')).toBe('abcd');
  });

  it('decodes every length of binary data like Buffer does for canonical input', () => {
    for (let n = 0; n < 40; n++) {
      const bytes = Buffer.from(Array.from({ length: n }, (_, i) => (i * 37 + 11) & 0xff));
      expect(Buffer.from(decodeBase64Strict(bytes.toString('base64')))).toEqual(bytes);
    }
  });

  it.each([
    ['abc', 0],
    ['QUJDQQ', 4],
    ['QmFzZTY0RW5jb2RlZFN0cmluZw', 24],
    ['ab!d', 2],
    [' YWJj', 0],
    ['a===', 1],
    ['ab=c', 2],
    ['ab==cd', 4],
    ['ab=', 3],
    ['YWJj-_==', 4],
    ['YWJjZA==\t', 8],
  ])('rejects %j at input byte %i (Go offsets)', (input, offset) => {
    expect(() => decodeBase64Strict(input)).toThrow(
      new ConversionError(`illegal base64 data at input byte ${offset}`),
    );
  });

  it('counts offsets in UTF-8 bytes', () => {
    expect(() => decodeBase64Strict('YWJjé')).toThrow('illegal base64 data at input byte 4');
  });

  it('returns no bytes for empty input', () => {
    expect(decodeBase64Strict('')).toEqual(new Uint8Array());
  });
});

describe('decodeBase64Strict properties', () => {
  it('decodes any bytes encoded by Buffer, whatever CR/LF are inserted', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 200 }),
        fc.array(fc.tuple(fc.nat(), fc.constantFrom('\n', '\r\n', '\r'))),
        (bytes, breaks) => {
          let text = Buffer.from(bytes).toString('base64');
          for (const [at, br] of breaks) {
            const i = at % (text.length + 1);
            text = text.slice(0, i) + br + text.slice(i);
          }
          expect(Buffer.from(decodeBase64Strict(text))).toEqual(Buffer.from(bytes));
        },
      ),
    );
  });

  it('either decodes or fails with a Go-style offset inside the input', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'AB+/=\n\r!a'), maxLength: 40 }), (text) => {
        try {
          decodeBase64Strict(text);
        } catch (error) {
          expect(error).toBeInstanceOf(ConversionError);
          const offset = Number(/at input byte (\d+)$/.exec((error as Error).message)?.[1]);
          expect(offset).toBeGreaterThanOrEqual(0);
          expect(offset).toBeLessThanOrEqual(Buffer.byteLength(text));
        }
      }),
    );
  });
});
