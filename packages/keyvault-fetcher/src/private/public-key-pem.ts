import { createPublicKey, type JsonWebKey as NodeJsonWebKey } from 'node:crypto';
import { ConversionError } from './conversion-error.js';
import { encodePem } from './pem.js';

/** The members of an SDK `JsonWebKey` this conversion reads (byte fields are Uint8Array). */
export interface KeyVaultJsonWebKey {
  readonly kty?: string;
  readonly crv?: string;
  readonly n?: Uint8Array;
  readonly e?: Uint8Array;
  readonly x?: Uint8Array;
  readonly y?: Uint8Array;
}

const SUPPORTED_CURVES = new Set(['P-256', 'P-384', 'P-521']);

function b64url(bytes: Uint8Array | undefined, member: string): string {
  if (bytes === undefined) throw new ConversionError(`failed to get key. key member '${member}' is missing`);
  return Buffer.from(bytes).toString('base64url');
}

function toNodeJwk(key: KeyVaultJsonWebKey): NodeJsonWebKey {
  const kty = key.kty ?? '';
  switch (kty) {
    case 'RSA':
    case 'RSA-HSM':
      return { kty: 'RSA', n: b64url(key.n, 'n'), e: b64url(key.e, 'e') };
    case 'EC':
    case 'EC-HSM': {
      const crv = key.crv ?? '';
      if (!SUPPORTED_CURVES.has(crv)) throw new ConversionError(`curve ${crv} is not supported`);
      return { kty: 'EC', crv, x: b64url(key.x, 'x'), y: b64url(key.y, 'y') };
    }
    default:
      throw new ConversionError(`failed to get key. key type '${kty}' currently not supported`);
  }
}

/** SubjectPublicKeyInfo `PUBLIC KEY` PEM of a Key Vault key (public parts only). */
export function publicKeyPem(key: KeyVaultJsonWebKey): string {
  const jwk = toNodeJwk(key);
  let der: Buffer;
  try {
    der = createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'der' });
  } catch (error) {
    throw new ConversionError(`failed to parse ${key.kty} public key: ${(error as Error).message}`);
  }
  return encodePem('PUBLIC KEY', der);
}
