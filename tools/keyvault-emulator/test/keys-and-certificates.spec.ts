import { createHash, createPublicKey } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { CertificateClient } from '@azure/keyvault-certificates';
import { KeyClient, type JsonWebKey as SdkJwk } from '@azure/keyvault-keys';
import { SecretClient } from '@azure/keyvault-secrets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyVaultEmulator } from '../src/index.js';
import { rawGet, TEST_TLS_DIR, TestTokenCredential } from './helpers.js';
import { makeOpensslFixtures, type OpensslFixtures } from './openssl-fixtures.js';

const b64url = (bytes: Uint8Array | undefined) => Buffer.from(bytes ?? []).toString('base64url');

/** SPKI PEM of the public key the SDK returned, for comparison with `openssl pkey -pubout`. */
function spkiOf(key: SdkJwk): string {
  const kty = key.kty?.replace('-HSM', '');
  const jwk =
    kty === 'RSA'
      ? { kty, n: b64url(key.n), e: b64url(key.e) }
      : { kty: kty ?? '', crv: key.crv ?? '', x: b64url(key.x), y: b64url(key.y) };
  return createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();
}

describe('keys and certificates with the real KeyClient / CertificateClient / SecretClient', () => {
  let kv: KeyVaultEmulator;
  let fx: OpensslFixtures;
  const cred = new TestTokenCredential('app');
  const opts = { disableChallengeResourceVerification: true };

  beforeAll(async () => {
    fx = await makeOpensslFixtures();
    kv = await KeyVaultEmulator.start({ tlsDir: TEST_TLS_DIR });
    const vault = kv.addVault('kv-certs');
    vault.grant('app', { secrets: ['get', 'list'], keys: ['get', 'list'], certificates: ['get', 'list'] });
  }, 30_000);
  afterAll(async () => {
    await kv.stop();
    await rm(fx.dir, { recursive: true, force: true });
  });

  it('serves RSA (as RSA-HSM) and EC P-384 public keys that match openssl, with kid and base64url fields', async () => {
    const vault = kv.vault('kv-certs');
    const rsa = vault.setKey('rsa-key', { pem: fx.rsaKeyPem, kty: 'RSA-HSM' });
    vault.setKey('ec-key', { pem: fx.ec384PublicPem });
    const keys = new KeyClient(kv.url, cred, opts);
    const got = await keys.getKey('rsa-key');
    expect(got.keyType).toBe('RSA-HSM');
    expect(got.id).toBe(`${kv.url}/keys/rsa-key/${rsa.version}`);
    expect(got.key?.d).toBeUndefined();
    expect(spkiOf(got.key!)).toBe(fx.rsaPublicPem);
    const byVersion = await keys.getKey('rsa-key', { version: rsa.version });
    expect(byVersion.properties.version).toBe(rsa.version);
    const ecKey = await keys.getKey('ec-key');
    expect(ecKey.key?.crv).toBe('P-384');
    expect(spkiOf(ecKey.key!)).toBe(fx.ec384PublicPem);

    const { version: jwkVersion } = vault.setKey('from-jwk', {
      jwk: {
        ...createPublicKey(fx.ec384PublicPem).export({ format: 'jwk' }),
        kid: 'https://elsewhere/keys/x/1',
        d: 'private',
      },
    });
    const fromJwk = await keys.getKey('from-jwk');
    expect(fromJwk.id).toBe(`${kv.url}/keys/from-jwk/${jwkVersion}`);
    expect(fromJwk.key?.d).toBeUndefined();

    const raw = JSON.parse(
      (await rawGet(`${kv.url}/keys/ec-key/?api-version=2025-07-01`, { clientId: 'app' })).body,
    );
    expect(raw.key.x).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it.each([
    ['AES/PBES2 PFX', () => ({ pfx: fx.rsaPfxAes })],
    ['legacy 3DES/RC2 PFX', () => ({ pfx: fx.rsaPfxLegacy })],
  ])('imports an openssl %s: cer, x5t, managed key and managed secret', async (label, input) => {
    const name = label.startsWith('AES') ? 'rsa-aes' : 'rsa-legacy';
    const { version } = kv.vault('kv-certs').importCertificate(name, input());
    const cert = await new CertificateClient(kv.url, cred, opts).getCertificate(name);
    expect(Buffer.from(cert.cer!)).toEqual(fx.rsaCertDer);
    expect(cert.properties.version).toBe(version);
    expect(Buffer.from(cert.properties.x509Thumbprint!)).toEqual(
      createHash('sha1').update(fx.rsaCertDer).digest(),
    );
    expect(cert.keyId).toBe(`${kv.url}/keys/${name}/${version}`);
    expect(cert.secretId).toBe(`${kv.url}/secrets/${name}/${version}`);

    const secret = await new SecretClient(kv.url, cred, opts).getSecret(name);
    expect(secret.properties.contentType).toBe('application/x-pkcs12');
    expect(secret.properties.managed).toBe(true);
    expect(secret.properties.certificateKeyId).toBe(`${kv.url}/keys/${name}/${version}`);
    expect(secret.value).toBe(input().pfx.toString('base64'));

    const key = await new KeyClient(kv.url, cred, opts).getKey(name);
    expect(key.properties.managed).toBe(true);
    expect(spkiOf(key.key!)).toBe(fx.rsaPublicPem);
  });

  it('imports an EC PFX with a scrambled chain and picks the leaf by its private key', async () => {
    kv.vault('kv-certs').importCertificate('ec-chain', { pfx: fx.ecChainPfx.toString('base64') });
    const cert = await new CertificateClient(kv.url, cred, opts).getCertificate('ec-chain');
    expect(Buffer.from(cert.cer!)).toEqual(fx.ecLeafDer);
    const key = await new KeyClient(kv.url, cred, opts).getKey('ec-chain');
    expect(spkiOf(key.key!)).toBe(fx.ecPublicPem);
    const secret = await new SecretClient(kv.url, cred, opts).getSecret('ec-chain');
    expect(secret.value).toBe(fx.ecChainPfx.toString('base64'));
  });

  it('imports PEM: the managed secret is the PEM text as given', async () => {
    kv.vault('kv-certs').importCertificate('rsa-pem', { pem: fx.rsaBundlePem });
    const cert = await new CertificateClient(kv.url, cred, opts).getCertificate('rsa-pem');
    expect(Buffer.from(cert.cer!)).toEqual(fx.rsaCertDer);
    const secret = await new SecretClient(kv.url, cred, opts).getSecret('rsa-pem');
    expect(secret.properties.contentType).toBe('application/x-pem-file');
    expect(secret.value).toBe(fx.rsaBundlePem);
  });

  it('lists certificate and key versions (keys by kid) and answers disabled certificates with 403 CertificateDisabled', async () => {
    const vault = kv.vault('kv-certs');
    const v1 = vault.importCertificate('rotating', { pfx: fx.rsaPfxAes, created: 1_700_000_000 });
    const v2 = vault.importCertificate('rotating', { pfx: fx.rsaPfxLegacy, created: 1_700_000_100 });
    const certs = new CertificateClient(kv.url, cred, opts);
    const listed: string[] = [];
    for await (const p of certs.listPropertiesOfCertificateVersions('rotating')) listed.push(p.version!);
    expect(listed.sort()).toEqual([v1.version, v2.version].sort());
    const keyVersions: string[] = [];
    for await (const p of new KeyClient(kv.url, cred, opts).listPropertiesOfKeyVersions('rotating')) {
      keyVersions.push(p.version!);
    }
    expect(keyVersions.sort()).toEqual(listed);
    const keysPage = JSON.parse(
      (await rawGet(`${kv.url}/keys/rotating/versions?api-version=2025-07-01`, { clientId: 'app' })).body,
    );
    expect(Object.keys(keysPage.value[0])).toContain('kid');

    vault.disable('certificates', 'rotating');
    await expect(certs.getCertificate('rotating')).rejects.toMatchObject({
      statusCode: 403,
      code: 'Forbidden',
    });
    await expect(certs.getCertificateVersion('rotating', v2.version)).rejects.toMatchObject({
      details: { error: { innerError: { code: 'CertificateDisabled' } } },
    });
    await expect(new SecretClient(kv.url, cred, opts).getSecret('rotating')).rejects.toMatchObject({
      statusCode: 403,
    });
    expect((await certs.getCertificateVersion('rotating', v1.version)).properties.version).toBe(v1.version);
  });

  it('answers unknown keys and certificates with 404 KeyNotFound / CertificateNotFound', async () => {
    await expect(new KeyClient(kv.url, cred, opts).getKey('nope')).rejects.toMatchObject({
      statusCode: 404,
      code: 'KeyNotFound',
    });
    await expect(new CertificateClient(kv.url, cred, opts).getCertificate('nope')).rejects.toMatchObject({
      statusCode: 404,
      code: 'CertificateNotFound',
    });
  });
});
