import { describe, expect, it } from 'vitest';
import { ConversionError } from './conversion-error.js';
import { decodeBase64Strict } from './strict-base64.js';

const text = (s: string): string => Buffer.from(decodeBase64Strict(s)).toString('utf8');

describe('decodeBase64Strict', () => {
  it('decodes the spec vector', () => {
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
