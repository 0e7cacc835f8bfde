import type { KeyVaultEmulator } from '@keyvault-csi/keyvault-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FetcherEvent, KeyVaultFetcher, type KeyVaultObject, MountFetchError } from '../src/index.js';
import { fixtureBytes, fixtureText } from './fixtures.js';
import { object, startProxiedEmulator, stopProxiedEmulator, TestCredential, text } from './helpers.js';

const VAULT = 'kv-objects';
const reader = new TestCredential('objects-reader');

let kv: KeyVaultEmulator;
let vaultUrl: string;
const versions: Record<string, string> = {};

beforeAll(async () => {
  kv = await startProxiedEmulator();
  vaultUrl = `${kv.vaultUrl(VAULT)}/`;
  const v = kv.vault(VAULT);
  v.grant('objects-reader', {
    secrets: ['get', 'list'],
    keys: ['get', 'list'],
    certificates: ['get', 'list'],
  });
  versions.plain = v.setSecret('plain', 'p@ss wörd').version;
  v.setSecret('b64', 'QmFzZTY0RW5jb2RlZFN0cmluZw==');
  v.setSecret('hex', '486578456E636F646564537472696E67');
  v.setSecret('bad-b64', 'QmFz!ZTY0');
  versions.rsaCert = v.importCertificate('rsa-cert', { pfx: fixtureBytes('rsa-legacy.pfx') }).version;
  v.importCertificate('ec-chain', { pfx: fixtureBytes('ec-chain-aes.pfx') });
  v.importCertificate('ec-partial', { pfx: fixtureBytes('ec-partial.pfx') });
  v.importCertificate('pem-cert', { pem: fixtureText('a-leaf.x509.pem') + fixtureText('a-leaf.pkcs8.pem') });
  v.setKey('rsa-key', { pem: fixtureText('rsa.pub.pem') });
  v.setKey('rsa-hsm-key', { pem: fixtureText('rsa.pub.pem'), kty: 'RSA-HSM' });
  for (const crv of ['P-256', 'P-384', 'P-521']) {
    v.setKey(`ec-${crv}`, { pem: fixtureText(`ec-${crv}.pub.pem`) });
    v.setKey(`ec-hsm-${crv}`, { pem: fixtureText(`ec-${crv}.pub.pem`), kty: 'EC-HSM' });
  }
  v.setKey('oct-key', { jwk: { kty: 'oct', k: 'c2VjcmV0' } });
  // history: created 100, 200 (disabled), 300, 400; listed in a scrambled order
  versions.h1 = v.setSecret('rotating', { value: 'one', created: 100 }).version;
  versions.h2 = v.setSecret('rotating', { value: 'two', created: 200, enabled: false }).version;
  versions.h3 = v.setSecret('rotating', { value: 'three', created: 300 }).version;
  versions.h4 = v.setSecret('rotating', { value: 'four', created: 400 }).version;
  v.versionOrder = 'shuffled';
  // 30 versions: more than one listing page (25), the newest on the second page
  const paged = kv.vault('kv-objects-paged');
  paged.grant('objects-reader', { secrets: ['get', 'list'] }).versionOrder = 'oldest-first';
  for (let i = 0; i < 30; i++) paged.setSecret('many', { value: `v${i}`, created: 1000 + i });
});

afterAll(() => stopProxiedEmulator(kv));

function fetcher(options: ConstructorParameters<typeof KeyVaultFetcher>[0] = {}): KeyVaultFetcher {
  return new KeyVaultFetcher(options);
}

async function fetchOne(obj: KeyVaultObject, f = fetcher()) {
  return f.fetch({ vaultUrl, objects: [obj], credential: reader, identityKey: 'objects-reader' });
}

async function failureOf(obj: KeyVaultObject, f = fetcher()): Promise<MountFetchError> {
  const error = await fetchOne(obj, f).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MountFetchError);
  return error as MountFetchError;
}

describe('secrets', () => {
  it('writes a plain secret as UTF-8 with the object id and version', async () => {
    const result = await fetchOne(object({ objectName: 'plain' }));
    expect(result.files).toEqual([
      { path: 'plain', mode: 0o644, contents: Buffer.from('p@ss wörd', 'utf8') },
    ]);
    expect(result.objectVersions).toEqual([{ id: 'secret/plain', version: versions.plain }]);
  });

  it('uses the alias as path and the object’s mode; the id keeps the name', async () => {
    const result = await fetchOne(
      object({ objectName: 'plain', objectAlias: 'app/db.txt', fileMode: 0o600 }),
    );
    expect(result.files.map((f) => [f.path, f.mode])).toEqual([['app/db.txt', 0o600]]);
    expect(result.objectVersions[0]?.id).toBe('secret/plain');
  });

  it('decodes base64 and hex objectEncoding', async () => {
    const result = await fetcher().fetch({
      vaultUrl,
      credential: reader,
      identityKey: 'objects-reader',
      objects: [
        object({ objectName: 'b64', objectEncoding: 'base64' }),
        object({ objectName: 'hex', objectEncoding: 'hex' }),
      ],
    });
    expect(result.files.map((f) => text(f.contents))).toEqual(['Base64EncodedString', 'HexEncodedString']);
  });

  it('reports strict base64 failures wrapped with the object', async () => {
    const error = await failureOf(object({ objectName: 'bad-b64', objectEncoding: 'base64' }));
    expect(error.message).toBe(
      'failed to get objectType:secret, objectName:bad-b64, objectVersion:: illegal base64 data at input byte 4',
    );
    expect(error.failures[0]?.error.kind).toBe('conversion');
  });

  it('fetches a pinned version and treats latest as current', async () => {
    const pinned = await fetchOne(object({ objectName: 'rotating', objectVersion: versions.h1 }));
    expect(text(pinned.files[0]?.contents)).toBe('one');
    expect(pinned.objectVersions).toEqual([{ id: 'secret/rotating', version: versions.h1 }]);
    const latest = await fetchOne(object({ objectName: 'rotating', objectVersion: 'latest' }));
    expect(text(latest.files[0]?.contents)).toBe('four');
  });
});

describe('certificate-backed secrets', () => {
  it('converts a legacy (3DES/RC2) PFX to the PKCS#8 key then the certificate', async () => {
    const result = await fetchOne(object({ objectName: 'rsa-cert' }));
    expect(text(result.files[0]?.contents)).toBe(fixtureText('rsa.pkcs8.pem') + fixtureText('rsa.x509.pem'));
    expect(result.objectVersions).toEqual([{ id: 'secret/rsa-cert', version: versions.rsaCert }]);
  });

  it('orders an AES PFX chain leaf → intermediate → root after the key', async () => {
    const result = await fetchOne(object({ objectName: 'ec-chain' }));
    expect(text(result.files[0]?.contents)).toBe(
      fixtureText('a-leaf.pkcs8.pem') +
        fixtureText('a-leaf.x509.pem') +
        fixtureText('a-int.x509.pem') +
        fixtureText('a-root.x509.pem'),
    );
  });

  it('keeps the stored order of an incomplete chain and reports it as an event', async () => {
    const events: FetcherEvent[] = [];
    const result = await fetchOne(
      object({ objectName: 'ec-partial' }),
      fetcher({ onEvent: (e) => events.push(e) }),
    );
    expect(text(result.files[0]?.contents)).toBe(
      fixtureText('a-leaf.pkcs8.pem') + fixtureText('a-leaf.x509.pem') + fixtureText('a-root.x509.pem'),
    );
    expect(events).toContainEqual({ type: 'chain-incomplete', objectName: 'ec-partial' });
  });

  it('keeps the stored order with constructPemChain false', async () => {
    const result = await fetchOne(object({ objectName: 'ec-chain' }), fetcher({ constructPemChain: false }));
    expect(text(result.files[0]?.contents)).toBe(
      fixtureText('a-leaf.pkcs8.pem') +
        fixtureText('a-leaf.x509.pem') +
        fixtureText('a-root.x509.pem') +
        fixtureText('a-int.x509.pem'),
    );
  });

  it('passes the stored base64 through for objectFormat pfx, and writes the binary PFX with base64 encoding', async () => {
    const stored = fixtureBytes('rsa-legacy.pfx');
    const asText = await fetchOne(object({ objectName: 'rsa-cert', objectFormat: 'pfx' }));
    expect(text(asText.files[0]?.contents)).toBe(stored.toString('base64'));
    const binary = await fetchOne(
      object({ objectName: 'rsa-cert', objectFormat: 'pfx', objectEncoding: 'base64' }),
    );
    expect(Buffer.from(binary.files[0]?.contents ?? [])).toEqual(stored);
  });

  it('passes PEM content through unchanged (no re-ordering)', async () => {
    const result = await fetchOne(object({ objectName: 'pem-cert' }));
    expect(text(result.files[0]?.contents)).toBe(
      fixtureText('a-leaf.x509.pem') + fixtureText('a-leaf.pkcs8.pem'),
    );
  });

  it('writes .crt, .key, then the main file with writeCertAndKeyInSeparateFiles, one object version', async () => {
    const split = fetcher({ writeCertAndKeyInSeparateFiles: true });
    const result = await fetchOne(
      object({ objectName: 'ec-chain', objectAlias: 'tls/chain.pem', fileMode: 0o640 }),
      split,
    );
    expect(result.files.map((f) => [f.path, f.mode])).toEqual([
      ['tls/chain.pem.crt', 0o640],
      ['tls/chain.pem.key', 0o640],
      ['tls/chain.pem', 0o640],
    ]);
    expect(text(result.files[0]?.contents)).toBe(
      fixtureText('a-leaf.x509.pem') + fixtureText('a-int.x509.pem') + fixtureText('a-root.x509.pem'),
    );
    expect(text(result.files[1]?.contents)).toBe(fixtureText('a-leaf.pkcs8.pem'));
    expect(result.objectVersions).toHaveLength(1);
    const pfx = await fetchOne(object({ objectName: 'ec-chain', objectFormat: 'pfx' }), split);
    expect(pfx.files.map((f) => f.path)).toEqual(['ec-chain']);
    const plain = await fetchOne(object({ objectName: 'plain' }), split);
    expect(plain.files.map((f) => f.path)).toEqual(['plain']);
  });
});

describe('keys', () => {
  it.each(['rsa-key', 'rsa-hsm-key'])(
    'writes the RSA public key of %s as openssl’s SPKI PEM',
    async (name) => {
      const result = await fetchOne(object({ objectName: name, objectType: 'key' }));
      expect(text(result.files[0]?.contents)).toBe(fixtureText('rsa.pub.pem'));
      expect(result.objectVersions[0]?.id).toBe(`key/${name}`);
      expect(result.objectVersions[0]?.version).toMatch(/^[0-9a-f]{32}$/);
    },
  );

  it.each(['P-256', 'P-384', 'P-521'])('writes EC and EC-HSM %s public keys', async (crv) => {
    for (const name of [`ec-${crv}`, `ec-hsm-${crv}`]) {
      const result = await fetchOne(object({ objectName: name, objectType: 'key' }));
      expect(text(result.files[0]?.contents)).toBe(fixtureText(`ec-${crv}.pub.pem`));
    }
  });

  it('gives the certificate’s public key for a key object naming a certificate', async () => {
    const result = await fetchOne(object({ objectName: 'rsa-cert', objectType: 'key' }));
    expect(text(result.files[0]?.contents)).toBe(fixtureText('rsa.pub.pem'));
  });

  it('refuses symmetric keys with the reference text', async () => {
    const error = await failureOf(object({ objectName: 'oct-key', objectType: 'key' }));
    expect(error.message).toBe(
      "failed to get objectType:key, objectName:oct-key, objectVersion:: failed to get key. key type 'oct' currently not supported",
    );
  });
});

describe('certificates', () => {
  it('writes only the leaf (cer) as one CERTIFICATE block', async () => {
    const result = await fetchOne(object({ objectName: 'ec-chain', objectType: 'cert' }));
    expect(text(result.files[0]?.contents)).toBe(fixtureText('a-leaf.x509.pem'));
    expect(result.objectVersions[0]?.id).toBe('cert/ec-chain');
  });

  it('fetches a pinned certificate version', async () => {
    const result = await fetchOne(
      object({ objectName: 'rsa-cert', objectType: 'cert', objectVersion: versions.rsaCert }),
    );
    expect(text(result.files[0]?.contents)).toBe(fixtureText('rsa.x509.pem'));
    expect(result.objectVersions).toEqual([{ id: 'cert/rsa-cert', version: versions.rsaCert }]);
  });
});

describe('objectVersionHistory', () => {
  it('writes exactly N enabled versions newest first as <file>/<i>, ids <type>/<name>/<i>', async () => {
    const result = await fetchOne(
      object({ objectName: 'rotating', objectAlias: 'db', objectVersionHistory: 2 }),
    );
    expect(result.files.map((f) => [f.path, text(f.contents)])).toEqual([
      ['db/0', 'four'],
      ['db/1', 'three'],
    ]);
    expect(result.objectVersions).toEqual([
      { id: 'secret/rotating/0', version: versions.h4 },
      { id: 'secret/rotating/1', version: versions.h3 },
    ]);
  });

  it('starts at objectVersion and skips disabled versions; gives all when fewer exist', async () => {
    const result = await fetchOne(
      object({ objectName: 'rotating', objectVersion: versions.h3, objectVersionHistory: 5 }),
    );
    expect(result.files.map((f) => [f.path, text(f.contents)])).toEqual([
      ['rotating/0', 'three'],
      ['rotating/1', 'one'],
    ]);
  });

  it('fails NOT_FOUND when objectVersion is not an enabled version', async () => {
    const error = await failureOf(
      object({ objectName: 'rotating', objectVersion: versions.h2, objectVersionHistory: 2 }),
    );
    expect(error.message).toBe(
      `failed to get objectType:secret, objectName:rotating, objectVersion:${versions.h2}: objectVersion ${versions.h2} not found among the enabled versions`,
    );
    expect(error.failures[0]?.error).toMatchObject({ kind: 'not_found', code: 'VERSION_NOT_FOUND' });
  });

  it('reads every page of the version listing', async () => {
    kv.resetStats();
    const f = fetcher();
    const result = await f.fetch({
      vaultUrl: kv.vaultUrl('kv-objects-paged'),
      credential: reader,
      identityKey: 'objects-reader',
      objects: [object({ objectName: 'many', objectVersionHistory: 3 })],
    });
    expect(result.files.map((file) => text(file.contents))).toEqual(['v29', 'v28', 'v27']);
    expect(kv.countRequests({ path: '/secrets/many/versions', probe: false })).toBe(2);
  });

  it('lists key and certificate versions too', async () => {
    const key = await fetchOne(
      object({ objectName: 'rsa-cert', objectType: 'key', objectVersionHistory: 3 }),
    );
    expect(key.files.map((f) => f.path)).toEqual(['rsa-cert/0']);
    expect(key.objectVersions).toEqual([{ id: 'key/rsa-cert/0', version: versions.rsaCert }]);
    const cert = await fetchOne(
      object({ objectName: 'rsa-cert', objectType: 'cert', objectVersionHistory: 3 }),
    );
    expect(cert.objectVersions).toEqual([{ id: 'cert/rsa-cert/0', version: versions.rsaCert }]);
  });
});

describe('a mount of several objects', () => {
  it('returns files in SPC order whatever order the answers arrive in', async () => {
    const split = fetcher({ writeCertAndKeyInSeparateFiles: true });
    const result = await split.fetch({
      vaultUrl,
      credential: reader,
      identityKey: 'objects-reader',
      objects: [
        object({ objectName: 'rotating', objectVersionHistory: 2 }),
        object({ objectName: 'ec-chain' }),
        object({ objectName: 'rsa-key', objectType: 'key' }),
        object({ objectName: 'plain' }),
      ],
    });
    expect(result.files.map((f) => f.path)).toEqual([
      'rotating/0',
      'rotating/1',
      'ec-chain.crt',
      'ec-chain.key',
      'ec-chain',
      'rsa-key',
      'plain',
    ]);
    expect(result.objectVersions.map((v) => v.id)).toEqual([
      'secret/rotating/0',
      'secret/rotating/1',
      'secret/ec-chain',
      'key/rsa-key',
      'secret/plain',
    ]);
  });
});
