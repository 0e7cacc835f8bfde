import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeHexStrict } from './strict-hex.js';

describe('decodeHexStrict', () => {
  it('decodes the spec vector in either case', () => {
    expect(Buffer.from(decodeHexStrict('486578456E636F646564537472696E67')).toString()).toBe(
      'HexEncodedString',
    );
    expect(Buffer.from(decodeHexStrict('486578456e636f646564537472696e67')).toString()).toBe(
      'HexEncodedString',
    );
  });

  it.each([
    ['abc', 'encoding/hex: odd length hex string'],
    ['ag', "encoding/hex: invalid byte: U+0067 'g'"],
    ['zz', "encoding/hex: invalid byte: U+007A 'z'"],
    ['abg', "encoding/hex: invalid byte: U+0067 'g'"],
    ['ab\n', 'encoding/hex: invalid byte: U+000A'],
    ['0x10', "encoding/hex: invalid byte: U+0078 'x'"],
    ['a b', "encoding/hex: invalid byte: U+0020 ' '"],
  ])('rejects %j with %j', (input, message) => {
    expect(() => decodeHexStrict(input)).toThrow(message);
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
