// Per-object extensions (extensions.md §1–6) through the real SDKs against the emulator.
import type { KeyVaultEmulator } from '@keyvault-csi/keyvault-emulator';
import { parseObjects } from '@keyvault-csi/spc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type FetcherEvent,
  KeyVaultFetcher,
  type KeyVaultObject,
  NothingToMountError,
} from '../src/index.js';
import { fixtureBytes, fixtureText } from './fixtures.js';
import { mountFailure, startProxiedEmulator, stopProxiedEmulator, TestCredential, text } from './helpers.js';

const VAULT = 'kv-ext';
const OTHER = 'kv-ext-other';
const WILD = 'kv-ext-wild';
const reader = new TestCredential('ext-reader');
let kv: KeyVaultEmulator;
let vaultUrl: string;

beforeAll(async () => {
  kv = await startProxiedEmulator();
  vaultUrl = `${kv.vaultUrl(VAULT)}/`;
  const all = { secrets: ['get', 'list'], keys: ['get', 'list'], certificates: ['get', 'list'] } as const;
  const v = kv.vault(VAULT).grant('ext-reader', all);
  v.setSecret('present', 'here');
  v.setSecret('disabled', { value: 'x', enabled: false });
  v.setSecret('db', JSON.stringify({ username: 'app', hosts: [{ port: 5432 }], flags: { tls: true } }));
  v.setSecret('not-json', 'user=app;password=hunter2');
  v.setSecret('meta', {
    value: 'never-in-metadata',
    contentType: 'text/plain',
    tags: { team: 'payments', env: 'prod' },
    created: '2026-01-02T03:04:05Z',
    updated: '2026-02-03T04:05:06Z',
    notBefore: '2026-01-01T00:00:00Z',
    expires: '2026-12-06T03:00:00Z',
  });
  v.importCertificate('tls', { pfx: fixtureBytes('ec-chain-aes.pfx') });
  v.importCertificate('tls-pem', { pem: fixtureText('a-leaf.x509.pem') + fixtureText('a-leaf.pkcs8.pem') });
  kv.vault(OTHER).grant('ext-reader', all).setSecret('present', 'from the other vault');
  const w = kv.vault(WILD).grant('ext-reader', all);
  for (let i = 0; i < 60; i++)
    w.setSecret(`app-${String(i).padStart(2, '0')}`, {
      value: `value-${i}`,
      tags: { env: i % 2 ? 'prod' : 'dev' },
    });
  w.setSecret('app-off', { value: 'off', enabled: false });
  w.setSecret('other', 'not matched');
  w.importCertificate('app-cert', { pfx: fixtureBytes('ec-chain-aes.pfx') });
  kv.vault('kv-ext-nolist')
    .grant('ext-reader', { secrets: ['get'] })
    .setSecret('app-1', 'x');
  const many = kv.vault('kv-ext-many').grant('ext-reader', all);
  for (let i = 0; i < 257; i++) many.setSecret(`s${i}`, 'v');
});

afterAll(() => stopProxiedEmulator(kv));

/** Objects as spc parses them, from per-object YAML bodies. */
function objects(...bodies: string[]): KeyVaultObject[] {
  return parseObjects(`array:\n${bodies.map((b) => `  - |\n${b.replace(/^/gm, '    ')}\n`).join('')}`);
}

function run(list: readonly KeyVaultObject[], events: FetcherEvent[] = [], url = vaultUrl) {
  const fetcher = new KeyVaultFetcher({ onEvent: (e) => events.push(e) });
  return fetcher
    .fetch({ vaultUrl: url, objects: list, credential: reader, identityKey: 'ext-reader' })
    .finally(() => fetcher.close());
}

const files = (result: { files: { path: string; contents: Uint8Array }[] }) =>
  Object.fromEntries(result.files.map((f) => [f.path, text(f.contents)]));

describe('optional (§1)', () => {
  it('skips a missing or disabled optional object, logs the reason, mounts the rest', async () => {
    const events: FetcherEvent[] = [];
    const result = await run(
      objects(
        'objectName: present\nobjectType: secret',
        'objectName: missing\nobjectType: secret\noptional: "true"',
        'objectName: disabled\nobjectType: secret\noptional: "true"',
        'objectName: nokey\nobjectType: key\noptional: "true"',
      ),
      events,
    );
    expect(files(result)).toEqual({ present: 'here' });
    expect(result.objectVersions.map((v) => v.id)).toEqual(['secret/present']);
    const skips = events.filter((e) => e.type === 'object-skipped');
    expect(skips.map((e) => [e.objectIndex, e.reason])).toEqual([
      [1, 'not_found'],
      [2, 'disabled'],
      [3, 'not_found'],
    ]);
  });

  it('fails when every object is optional and none was found', async () => {
    const error = await run(
      objects(
        'objectName: gone-a\nobjectType: secret\noptional: "1"',
        'objectName: gone-b\nobjectType: cert\noptional: "true"',
      ),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NothingToMountError);
    expect((error as Error).message).toBe(
      'no object to mount: every object is optional and none was found (gone-a, gone-b)',
    );
  });

  it('does not skip a transient failure', async () => {
    const fault = kv.injectFault({
      vault: VAULT,
      path: /\/secrets\/flaky/,
      action: { type: 'status', status: 500 },
    });
    try {
      const failure = await mountFailure(
        run(objects('objectName: flaky\nobjectType: secret\noptional: "true"')),
      );
      expect(failure.failures[0]?.error.kind).toBe('transient');
    } finally {
      fault.remove();
    }
  });

  it('a missing object without optional still fails the mount', async () => {
    const failure = await mountFailure(run(objects('objectName: missing\nobjectType: secret')));
    expect(failure.failures[0]?.error.code).toBe('NOT_FOUND');
  });
});

describe('keyvaultName per object (§2)', () => {
  it('reads from the other vault; ids and errors name it', async () => {
    const result = await run(
      objects(
        'objectName: present\nobjectType: secret',
        `objectName: present\nobjectType: secret\nkeyvaultName: ${OTHER}\nobjectAlias: other`,
      ),
    );
    expect(files(result)).toEqual({ present: 'here', other: 'from the other vault' });
    expect(result.objectVersions.map((v) => v.id)).toEqual(['secret/present', `secret/${OTHER}/present`]);
    const failure = await mountFailure(
      run(objects(`objectName: nope\nobjectType: secret\nkeyvaultName: ${OTHER}`)),
    );
    expect(failure.message).toMatch(
      new RegExp(
        `^failed to get objectType:secret, objectName:nope, objectVersion:, keyvaultName:${OTHER}: 404 SecretNotFound`,
      ),
    );
  });
});

describe('objectFormat pem-key / pem-cert (§4)', () => {
  it('writes the key alone and the certificates alone from one GET', async () => {
    kv.resetStats();
    const result = await run(
      objects(
        'objectName: tls\nobjectType: secret\nobjectFormat: pem-key\nobjectAlias: tls.key',
        'objectName: tls\nobjectType: secret\nobjectFormat: PEM-CERT\nobjectAlias: tls.crt',
        'objectName: tls\nobjectType: secret',
      ),
    );
    const out = files(result);
    expect(out['tls.key']).toMatch(/^-----BEGIN PRIVATE KEY-----\n[\s\S]+-----END PRIVATE KEY-----\n$/);
    expect(out['tls.key']).not.toContain('CERTIFICATE');
    expect(out['tls.crt']).not.toContain('PRIVATE KEY');
    expect(out['tls.crt']?.match(/BEGIN CERTIFICATE/g)?.length).toBeGreaterThan(1);
    // The same blocks, in the same order, as the full pem file.
    expect(out['tls.crt']! + out['tls.key']!).toBe(
      [...(out.tls ?? '').matchAll(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----\n/g)].join(
        '',
      ) + out['tls.key'],
    );
    expect(kv.countRequests({ path: /^\/secrets\/tls/, probe: false })).toBe(1);
  });

  it('works on a PEM-imported certificate and fails on a plain secret', async () => {
    const pem = files(await run(objects('objectName: tls-pem\nobjectType: secret\nobjectFormat: pem-key')));
    expect(pem['tls-pem']).toContain('BEGIN PRIVATE KEY');
    const failure = await mountFailure(
      run(objects('objectName: present\nobjectType: secret\nobjectFormat: pem-cert')),
    );
    expect(failure.failures[0]?.error.kind).toBe('conversion');
    expect(failure.message).toMatch(
      /: objectFormat pem-cert needs a certificate-backed secret, present is a plain secret$/,
    );
  });

  it('is not split by --write-cert-and-key-in-separate-files', async () => {
    const fetcher = new KeyVaultFetcher({ writeCertAndKeyInSeparateFiles: true });
    const result = await fetcher.fetch({
      vaultUrl,
      objects: objects('objectName: tls\nobjectType: secret\nobjectFormat: pem-key'),
      credential: reader,
      identityKey: 'ext-reader',
    });
    await fetcher.close();
    expect(result.files.map((f) => f.path)).toEqual(['tls']);
  });
});

describe('metadata (§5)', () => {
  it('writes the attributes in a fixed order, never the value', async () => {
    const result = await run(
      objects('objectName: meta\nobjectType: secret\nmetadata: "true"\nfilePermission: "0600"'),
    );
    const sidecar = result.files.find((f) => f.path === 'meta.metadata.json');
    expect(sidecar?.mode).toBe(0o600);
    const body = text(sidecar?.contents);
    expect(body).not.toContain('never-in-metadata');
    expect(body.endsWith('}\n')).toBe(true);
    const parsed = JSON.parse(body);
    expect(Object.keys(parsed)).toEqual([
      'name',
      'vault',
      'type',
      'version',
      'enabled',
      'contentType',
      'tags',
      'created',
      'updated',
      'notBefore',
      'expires',
    ]);
    expect(parsed).toEqual({
      name: 'meta',
      vault: VAULT,
      type: 'secret',
      version: result.objectVersions[0]?.version,
      enabled: true,
      contentType: 'text/plain',
      tags: { env: 'prod', team: 'payments' },
      created: '2026-01-02T03:04:05Z',
      updated: '2026-02-03T04:05:06Z',
      notBefore: '2026-01-01T00:00:00Z',
      expires: '2026-12-06T03:00:00Z',
    });
    expect(Object.keys(parsed.tags)).toEqual(['env', 'team']);
    expect(result.objectVersions).toHaveLength(1);
  });

  it('has a null contentType for certificates', async () => {
    const result = await run(objects('objectName: tls\nobjectType: cert\nmetadata: "true"'));
    const parsed = JSON.parse(text(result.files.find((f) => f.path === 'tls.metadata.json')?.contents));
    expect(parsed).toMatchObject({ type: 'cert', contentType: null, tags: {}, enabled: true });
  });
});

describe('jmesPath (§3)', () => {
  it('writes the object file and one file per path', async () => {
    const result = await run(
      objects(
        'objectName: db\nobjectType: secret\njmesPath:\n  - path: username\n    objectAlias: db-user\n  - path: "hosts[0].port"\n    objectAlias: conf/db-port\n  - path: flags\n    objectAlias: flags.json',
      ),
    );
    expect(files(result)).toMatchObject({
      'db-user': 'app',
      'conf/db-port': '5432',
      'flags.json': '{"tls":true}',
    });
    expect(Object.keys(files(result))).toContain('db');
    expect(result.objectVersions).toHaveLength(1);
  });

  it('fails on a value that is not JSON without echoing it, and on a path that matches nothing', async () => {
    const notJson = await mountFailure(
      run(objects('objectName: not-json\nobjectType: secret\njmesPath:\n  - path: a\n    objectAlias: a')),
    );
    expect(notJson.failures[0]?.error.kind).toBe('conversion');
    expect(notJson.message).toMatch(/: secret not-json is not valid JSON: Unexpected token/);
    expect(notJson.message).not.toContain('hunter2');
    expect(notJson.message).not.toContain('user=app');
    const nothing = await mountFailure(
      run(objects('objectName: db\nobjectType: secret\njmesPath:\n  - path: password\n    objectAlias: p')),
    );
    expect(nothing.message).toMatch(/: jmesPath "password" of secret db matched nothing$/);
  });
});

describe('wildcard objectName (§6)', () => {
  const wildUrl = () => `${kv.vaultUrl(WILD)}/`;

  it('lists every page, keeps enabled unmanaged matches, sorted, with tags', async () => {
    kv.resetStats();
    const events: FetcherEvent[] = [];
    const result = await run(
      objects('objectName: "app-*"\nobjectType: secret\ntags:\n  env: prod'),
      events,
      wildUrl(),
    );
    const names = result.files.map((f) => f.path);
    expect(names).toHaveLength(30);
    expect(names).toEqual([...names].sort());
    expect(names[0]).toBe('app-01');
    expect(names).not.toContain('app-off');
    expect(names).not.toContain('app-cert');
    expect(files(result)['app-59']).toBe('value-59');
    expect(result.objectVersions[0]?.id).toBe('secret/app-01');
    // 63 secrets + 1 managed: three pages of 25.
    expect(kv.countRequests({ vault: WILD, path: '/secrets', probe: false })).toBe(3);
    expect(events.some((e) => e.type === 'request' && e.operation === 'list')).toBe(true);
  });

  it('fails with NOT_FOUND when nothing matches, or skips when optional', async () => {
    const failure = await mountFailure(
      run(objects('objectName: "zzz-*"\nobjectType: secret'), [], wildUrl()),
    );
    expect(failure.failures[0]?.error.kind).toBe('not_found');
    expect(failure.message).toMatch(/: objectName zzz-\* matched no enabled secret in kv-ext-wild$/);
    const result = await run(
      objects(
        'objectName: "zzz-*"\nobjectType: secret\noptional: "true"',
        'objectName: other\nobjectType: secret',
      ),
      [],
      wildUrl(),
    );
    expect(files(result)).toEqual({ other: 'not matched' });
  });

  it('fails on a 403 listing saying list is required, and above 256 matches', async () => {
    const denied = await mountFailure(
      run(
        objects('objectName: "app-*"\nobjectType: secret\noptional: "true"'),
        [],
        `${kv.vaultUrl('kv-ext-nolist')}/`,
      ),
    );
    expect(denied.failures[0]?.error.kind).toBe('forbidden');
    expect(denied.message).toContain('a wildcard objectName needs the list permission on secrets');
    const many = await mountFailure(
      run(objects('objectName: "*"\nobjectType: secret'), [], `${kv.vaultUrl('kv-ext-many')}/`),
    );
    expect(many.message).toMatch(/: objectName \* matched 257 secrets, at most 256$/);
  });

  it('fails when a match collides with another object, naming both', async () => {
    const failure = await mountFailure(
      run(
        objects(
          'objectName: "app-0*"\nobjectType: secret',
          'objectName: other\nobjectType: secret\nobjectAlias: app-05',
        ),
        [],
        wildUrl(),
      ),
    );
    expect(failure.failures[0]?.error.code).toBe('PATH_COLLISION');
    expect(failure.message).toContain(
      'a wildcard match writes file path "app-05", which object 1 (objectName other) also writes',
    );
  });

  it('writes a metadata sidecar per match', async () => {
    const result = await run(
      objects('objectName: "app-1*"\nobjectType: secret\nmetadata: "true"'),
      [],
      wildUrl(),
    );
    expect(result.files.map((f) => f.path).slice(0, 2)).toEqual(['app-10', 'app-10.metadata.json']);
    expect(JSON.parse(text(result.files[1]?.contents))).toMatchObject({ name: 'app-10', vault: WILD });
  });
});
