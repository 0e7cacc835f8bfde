import type { ObjectEncoding } from '../key-vault-object.js';
import { decodeBase64Strict } from './strict-base64.js';
import { decodeHexStrict } from './strict-hex.js';

/** File bytes of secret content under `objectEncoding` (docs/object-outputs.md §2.1). */
export function decodeObjectEncoding(content: string, encoding: ObjectEncoding): Uint8Array {
  switch (encoding) {
    case 'base64':
      return decodeBase64Strict(content);
    case 'hex':
      return decodeHexStrict(content);
    default:
      return Buffer.from(content, 'utf8');
  }
}
