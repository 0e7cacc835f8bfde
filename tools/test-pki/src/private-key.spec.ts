import { createPrivateKey, createPublicKey } from 'node:crypto';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { OpensslError, openssl } from './openssl.js';
import { generatePrivateKey, privateKeyPem, publicKeyPem } from './private-key.js';

describe('keys', () => {
  it.each([
    [{ type: 'ec' } as const, 'ec', 'prime256v1'],
    [{ type: 'ec', curve: 'P-384' } as const, 'ec', 'secp384r1'],
    [{ type: 'ec', curve: 'P-521' } as const, 'ec', 'secp521r1'],
  ])('makes an EC key %j as unencrypted PKCS#8', (spec, type, curve) => {
    const pem = generatePrivateKey(spec);
    expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    const key = createPrivateKey(pem);
    expect([key.asymmetricKeyType, key.asymmetricKeyDetails?.namedCurve]).toEqual([type, curve]);
    expect(privateKeyPem(pem)).toBe(pem);
  });

  it('makes a 2048-bit RSA key and its SPKI public key as openssl prints it', () => {
    const pem = generatePrivateKey({ type: 'rsa' });
    expect(createPrivateKey(pem).asymmetricKeyDetails?.modulusLength).toBe(2048);
    const publicPem = publicKeyPem(pem);
    expect(publicPem).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    expect(publicPem).toBe(createPublicKey(pem).export({ type: 'spki', format: 'pem' }));
  });

  it('throws an OpensslError with what openssl said on stderr', () => {
    const failure = (() => {
      try {
        openssl(tmpdir(), ['pkey', '-in', 'no-such-file.key']);
      } catch (error) {
        return error;
      }
    })();
    expect(failure).toBeInstanceOf(OpensslError);
    expect(failure).toMatchObject({ code: 'OPENSSL_FAILED', args: ['pkey', '-in', 'no-such-file.key'] });
    expect((failure as OpensslError).stderr).toMatch(/no-such-file\.key/);
  });
});
