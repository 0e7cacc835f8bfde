import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeHexStrict } from './strict-hex.js';

describe('decodeHexStrict', () => {
  it('decodes the docs/object-outputs.md §2.1 vector in either case', () => {
    expect(Buffer.from(decodeHexStrict('486578456E636F646564537472696E67')).toString()).toBe(
      'HexEncodedString',
    );
    expect(Buffer.from(decodeHexStrict('486578456e636f646564537472696e67')).toString()).toBe(
      'HexEncodedString',
    );
  });

  it.each([
    ['abc', 'encoding/hex: odd length hex string'],
    ['ag', 'encoding/hex: invalid byte at input byte 1'],
    ['zz', 'encoding/hex: invalid byte at input byte 0'],
    ['abg', 'encoding/hex: invalid byte at input byte 2'],
    ['ab\n', 'encoding/hex: invalid byte at input byte 2'],
    ['0x10', 'encoding/hex: invalid byte at input byte 1'],
    ['a b', 'encoding/hex: invalid byte at input byte 1'],
    ['abcé', 'encoding/hex: invalid byte at input byte 3'],
  ])('rejects %j with %j', (input, message) => {
    expect(() => decodeHexStrict(input)).toThrow(message);
  });

  it('never puts a byte of the value into the error', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 40 }), (text) => {
        const secret = `S3cr${text}`;
        try {
          decodeHexStrict(secret);
        } catch (error) {
          const message = (error as Error).message;
          expect(message).toMatch(/^encoding\/hex: (invalid byte at input byte \d+|odd length hex string)$/);
        }
      }),
    );
  });
});

describe('decodeHexStrict properties', () => {
  it('decodes any bytes hex-encoded in any mix of cases', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.boolean(), (bytes, upper) => {
        const hex = Buffer.from(bytes).toString('hex');
        expect(Buffer.from(decodeHexStrict(upper ? hex.toUpperCase() : hex))).toEqual(Buffer.from(bytes));
      }),
    );
  });
});
