import { createPrivateKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fixtureText } from '../../test/fixtures.js';
import { type KeyVaultJsonWebKey, publicKeyPem } from './public-key-pem.js';

/** The JWK the SDK hands us: byte members as Uint8Array, from Key Vault's base64url. */
function sdkJwk(keyFile: string, kty: string): KeyVaultJsonWebKey {
  const jwk = createPrivateKey(fixtureText(keyFile)).export({ format: 'jwk' });
  const bytes = (v: string | undefined) =>
    v === undefined ? undefined : new Uint8Array(Buffer.from(v, 'base64url'));
  return { kty, crv: jwk.crv, n: bytes(jwk.n), e: bytes(jwk.e), x: bytes(jwk.x), y: bytes(jwk.y) };
}

describe('publicKeyPem', () => {
  it.each(['RSA', 'RSA-HSM'])('gives openssl’s SPKI PEM for %s', (kty) => {
    expect(publicKeyPem(sdkJwk('rsa.key', kty))).toBe(fixtureText('rsa.pub.pem'));
  });

  it.each([
    ['EC', 'P-256'],
    ['EC-HSM', 'P-256'],
    ['EC', 'P-384'],
    ['EC-HSM', 'P-384'],
    ['EC', 'P-521'],
    ['EC-HSM', 'P-521'],
  ])('gives openssl’s SPKI PEM for %s %s', (kty, crv) => {
    expect(publicKeyPem(sdkJwk(`ec-${crv}.key`, kty))).toBe(fixtureText(`ec-${crv}.pub.pem`));
  });

  it('rejects unsupported curves and key types with the reference texts', () => {
    const ec = sdkJwk('ec-P-256.key', 'EC');
    expect(() => publicKeyPem({ ...ec, crv: 'P-256K' })).toThrow('curve P-256K is not supported');
    expect(() => publicKeyPem({ ...ec, crv: undefined })).toThrow('curve  is not supported');
    expect(() => publicKeyPem({ kty: 'oct' })).toThrow(
      "failed to get key. key type 'oct' currently not supported",
    );
    expect(() => publicKeyPem({ kty: 'oct-HSM' })).toThrow(
      "failed to get key. key type 'oct-HSM' currently not supported",
    );
    expect(() => publicKeyPem({})).toThrow("failed to get key. key type '' currently not supported");
  });
});
