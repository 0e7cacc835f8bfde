// Per-object extensions (extensions.md §1–6) through the built daemon, the fake driver and the
// Key Vault emulator, one test per key plus the combined example in examples/extensions.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { status } from '@grpc/grpc-js';
import { ProviderStack, readExamplePod, readSecretProviderClass, readVisibleFiles } from '@keyvault-csi/demo';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mount, newPod, type TestPod } from './support/mount.js';
import { makeCertificateChain, makeRsaKey } from './support/openssl.js';

const root = path.resolve(import.meta.dirname, '../..');
const PREFIX = 'failed to mount objects, error: ';
let stack: ProviderStack;
const values: string[] = [];

beforeAll(async () => {
  stack = await ProviderStack.start();
});

afterAll(async () => {
  const exit = await stack?.daemon.stop();
  const output = stack?.daemon.output ?? '';
  await stack?.stop();
  for (const value of values) expect(output).not.toContain(value);
  expect(exit?.code).toBe(0);
});

interface Tenant {
  readonly vault: string;
  readonly pod: TestPod;
  readonly clientId: string;
  set(name: string, value: string, options?: { tags?: Record<string, string>; enabled?: boolean }): string;
  /** Parameters with an `objects` block made of per-object YAML bodies. */
  params(...bodies: string[]): Record<string, string>;
}

function tenant(permissions: readonly ('get' | 'list')[] = ['get', 'list']): Tenant {
  const vault = `kv${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const clientId = randomUUID();
  const pod = newPod(`pod-${vault}`, 'extensions');
  stack.nmi.bind(pod.namespace, pod.name, clientId);
  stack.keyVault
    .addVault(vault)
    .grant(clientId, { secrets: [...permissions], keys: [...permissions], certificates: [...permissions] });
  return {
    vault,
    pod,
    clientId,
    set(name, value, options = {}) {
      values.push(value);
      return stack.keyVault.vault(vault).setSecret(name, { value, ...options }).version;
    },
    params: (...bodies) => ({
      usePodIdentity: 'true',
      keyvaultName: vault,
      tenantId: 'tid',
      objects: `array:\n${bodies.map((b) => `  - |\n${b.replace(/^/gm, '    ')}\n`).join('')}`,
    }),
  };
}

function metric(text: string, name: string, labels: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

describe('optional (§1)', () => {
  it('skips a missing object (info line, metric), fails when nothing is left, mounts it once it exists', async () => {
    const t = tenant();
    t.set('present', 'present-value-1');
    const before = metric(await stack.metrics(), 'keyvault_objects_skipped_total', 'reason="not_found"');
    const first = await mount(
      stack,
      t.params(
        'objectName: present\nobjectType: secret',
        'objectName: later\nobjectType: secret\noptional: "true"',
      ),
      t.pod,
    );
    expect(first.message).toBeUndefined();
    expect(readVisibleFiles(first.targetPath)).toEqual({ present: 'present-value-1' });
    expect([...first.objectVersions.keys()]).toEqual(['secret/present']);
    expect(metric(await stack.metrics(), 'keyvault_objects_skipped_total', 'reason="not_found"')).toBe(
      before + 1,
    );
    expect(stack.daemon.output).toMatch(/optional object skipped.*later|later.*optional object skipped/);

    const none = await mount(
      stack,
      t.params('objectName: later\nobjectType: secret\noptional: "true"'),
      t.pod,
    );
    expect(none.grpcCode).toBe(status.FAILED_PRECONDITION);
    expect(none.message).toBe(
      `${PREFIX}no object to mount: every object is optional and none was found (later)`,
    );

    t.set('later', 'later-value-1');
    const rotated = await mount(
      stack,
      t.params(
        'objectName: present\nobjectType: secret',
        'objectName: later\nobjectType: secret\noptional: "true"',
      ),
      t.pod,
      { targetPath: first.targetPath },
    );
    expect(readVisibleFiles(rotated.targetPath)).toEqual({
      present: 'present-value-1',
      later: 'later-value-1',
    });
  });

  it('refuses a boolean it cannot read, before any Key Vault request', async () => {
    const t = tenant();
    const outcome = await mount(stack, t.params('objectName: a\nobjectType: secret\noptional: yes'), t.pod);
    expect(outcome.grpcCode).toBe(status.INVALID_ARGUMENT);
    expect(outcome.message).toBe(
      `${PREFIX}failed to get objectType:secret, objectName:a, objectVersion:: failed to parse optional of object 0, error: strconv.ParseBool: parsing "yes": invalid syntax`,
    );
    expect(stack.keyVault.countRequests({ vault: t.vault })).toBe(0);
  });
});

describe('keyvaultName per object (§2)', () => {
  it('reads two vaults with one identity; ids and errors name the vault', async () => {
    const t = tenant();
    t.set('shared-name', 'from-the-main-vault');
    const other = `${t.vault}-b`;
    stack.keyVault
      .addVault(other)
      .grant(t.clientId, { secrets: ['get'] })
      .setSecret('shared-name', 'from-vault-b');
    values.push('from-vault-b');
    const outcome = await mount(
      stack,
      t.params(
        'objectName: shared-name\nobjectType: secret',
        `objectName: shared-name\nobjectType: secret\nkeyvaultName: ${other}\nobjectAlias: b/shared-name`,
      ),
      t.pod,
    );
    expect(outcome.message).toBeUndefined();
    expect(readVisibleFiles(outcome.targetPath)).toEqual({
      'shared-name': 'from-the-main-vault',
      'b/shared-name': 'from-vault-b',
    });
    expect([...outcome.objectVersions.keys()]).toEqual(['secret/shared-name', `secret/${other}/shared-name`]);

    const missing = await mount(
      stack,
      t.params(`objectName: nope\nobjectType: secret\nkeyvaultName: ${other}`),
      t.pod,
    );
    expect(missing.grpcCode).toBe(status.NOT_FOUND);
    expect(missing.message).toContain(
      `objectName:nope, objectVersion:, keyvaultName:${other}: 404 SecretNotFound`,
    );

    const bad = await mount(stack, t.params('objectName: x\nobjectType: secret\nkeyvaultName: a_b'), t.pod);
    expect(bad.grpcCode).toBe(status.INVALID_ARGUMENT);
    expect(bad.message).toContain('keyvaultName of object 0: failed to get vault: Invalid vault name: "a_b"');
  });
});

describe('objectFormat pem-key / pem-cert (§4)', () => {
  it('writes the leaf key and the ordered chain apart from one GET', async () => {
    const t = tenant();
    const chain = makeCertificateChain('ext');
    stack.keyVault
      .vault(t.vault)
      .importCertificate('web', { pfx: chain.pfx(['root', 'leaf', 'intermediate']) });
    stack.keyVault.resetStats();
    const outcome = await mount(
      stack,
      t.params(
        'objectName: web\nobjectType: secret\nobjectFormat: pem-key\nobjectAlias: tls.key',
        'objectName: web\nobjectType: secret\nobjectFormat: pem-cert\nobjectAlias: tls.crt',
      ),
      t.pod,
    );
    expect(outcome.message).toBeUndefined();
    const files = readVisibleFiles(outcome.targetPath);
    expect(files['tls.key']).toBe(chain.leafKeyPem);
    expect(files['tls.crt']).toBe(chain.leafPem + chain.intermediatePem + chain.rootPem);
    expect(stack.keyVault.countRequests({ vault: t.vault, path: '/secrets/web/', probe: false })).toBe(1);

    t.set('plain', 'plain-value-1');
    const plain = await mount(
      stack,
      t.params('objectName: plain\nobjectType: secret\nobjectFormat: pem-key'),
      t.pod,
    );
    expect(plain.grpcCode).toBe(status.FAILED_PRECONDITION);
    expect(plain.message).toContain(
      'objectFormat pem-key needs a certificate-backed secret, plain is a plain secret',
    );
  });
});

describe('metadata (§5)', () => {
  it('writes <path>.metadata.json beside the file, with the attributes and no value', async () => {
    const t = tenant();
    stack.keyVault.vault(t.vault).setSecret('meta', {
      value: 'meta-secret-value',
      contentType: 'text/plain',
      tags: { b: '2', a: '1' },
      created: '2026-01-02T03:04:05Z',
      expires: '2026-12-06T03:00:00Z',
    });
    values.push('meta-secret-value');
    const outcome = await mount(
      stack,
      t.params('objectName: meta\nobjectType: secret\nobjectAlias: conf/meta\nmetadata: "true"'),
      t.pod,
    );
    expect(outcome.message).toBeUndefined();
    const files = readVisibleFiles(outcome.targetPath);
    expect(files['conf/meta.metadata.json']).toBe(
      `${JSON.stringify(
        {
          name: 'meta',
          vault: t.vault,
          type: 'secret',
          version: outcome.objectVersions.get('secret/meta'),
          enabled: true,
          contentType: 'text/plain',
          tags: { a: '1', b: '2' },
          created: '2026-01-02T03:04:05Z',
          updated: '2026-01-02T03:04:05Z',
          notBefore: null,
          expires: '2026-12-06T03:00:00Z',
        },
        null,
        2,
      )}\n`,
    );
    expect(outcome.objectVersions.size).toBe(1);
  });
});

describe('jmesPath (§3)', () => {
  it('writes extracted files; a value that is not JSON fails without echoing it', async () => {
    const t = tenant();
    t.set('db', JSON.stringify({ username: 'db-user-1', hosts: [{ port: 6432 }] }));
    const list =
      'jmesPath:\n  - path: username\n    objectAlias: db-user\n  - path: "hosts[0].port"\n    objectAlias: conf/db-port';
    const outcome = await mount(stack, t.params(`objectName: db\nobjectType: secret\n${list}`), t.pod);
    expect(outcome.message).toBeUndefined();
    const files = readVisibleFiles(outcome.targetPath);
    expect(files['db-user']).toBe('db-user-1');
    expect(files['conf/db-port']).toBe('6432');
    expect(Object.keys(files).sort()).toEqual(['conf/db-port', 'db', 'db-user']);

    t.set('flat', 'flat-not-json-value');
    const notJson = await mount(stack, t.params(`objectName: flat\nobjectType: secret\n${list}`), t.pod);
    expect(notJson.grpcCode).toBe(status.FAILED_PRECONDITION);
    expect(notJson.message).toContain('secret flat is not valid JSON: ');
    expect(notJson.message).not.toContain('flat-not-json-value');

    const syntax = await mount(
      stack,
      t.params('objectName: db\nobjectType: secret\njmesPath:\n  - path: "a[?"\n    objectAlias: x'),
      t.pod,
    );
    expect(syntax.grpcCode).toBe(status.INVALID_ARGUMENT);
    expect(syntax.message).toContain('jmesPath "a[?" does not compile');
  });
});

describe('wildcard objectName (§6)', () => {
  it('mounts every enabled match across pages; a rotation follows additions and removals', async () => {
    const t = tenant();
    for (let i = 0; i < 40; i++)
      t.set(`svc-${String(i).padStart(2, '0')}`, `svc-value-${i}`, { tags: { env: 'prod' } });
    t.set('svc-dev', 'svc-dev-value', { tags: { env: 'dev' } });
    t.set('svc-off', 'svc-off-value', { enabled: false });
    t.set('unrelated', 'unrelated-value');
    const params = t.params('objectName: "svc-*"\nobjectType: secret\ntags:\n  env: prod');
    const listsBefore = metric(await stack.metrics(), 'keyvault_request_count', 'operation="list"');
    const first = await mount(stack, params, t.pod);
    expect(first.message).toBeUndefined();
    const files = readVisibleFiles(first.targetPath);
    expect(Object.keys(files)).toHaveLength(40);
    expect(files['svc-07']).toBe('svc-value-7');
    expect(first.files.map((f) => f.path)).toEqual([...first.files.map((f) => f.path)].sort());
    // One listing (observed once in keyvault_request) of two pages of at most 25.
    expect(metric(await stack.metrics(), 'keyvault_request_count', 'operation="list"')).toBe(listsBefore + 1);
    expect(stack.keyVault.countRequests({ vault: t.vault, path: '/secrets', probe: false })).toBe(2);

    stack.keyVault.vault(t.vault).deleteObject('secrets', 'svc-00');
    t.set('svc-99', 'svc-value-99', { tags: { env: 'prod' } });
    const rotated = await mount(stack, params, t.pod, { targetPath: first.targetPath });
    const after = readVisibleFiles(rotated.targetPath);
    expect(after['svc-00']).toBeUndefined();
    expect(after['svc-99']).toBe('svc-value-99');

    const none = await mount(stack, t.params('objectName: "zzz-*"\nobjectType: secret'), t.pod);
    expect(none.grpcCode).toBe(status.NOT_FOUND);
    expect(none.message).toContain(`objectName zzz-* matched no enabled secret in ${t.vault}`);

    const clash = await mount(
      stack,
      t.params(
        'objectName: "svc-0*"\nobjectType: secret',
        'objectName: unrelated\nobjectType: secret\nobjectAlias: svc-05',
      ),
      t.pod,
    );
    expect(clash.grpcCode).toBe(status.FAILED_PRECONDITION);
    expect(clash.message).toContain('which object 1 (objectName unrelated) also writes');
  });

  it('a vault without the list permission answers PERMISSION_DENIED saying so', async () => {
    const t = tenant(['get']);
    t.set('svc-1', 'svc-1-value');
    const outcome = await mount(stack, t.params('objectName: "svc-*"\nobjectType: secret'), t.pod);
    expect(outcome.grpcCode).toBe(status.PERMISSION_DENIED);
    expect(outcome.message).toContain('a wildcard objectName needs the list permission on secrets');
  });
});

describe('the combined example (examples/extensions)', () => {
  it('mounts all six keys together, and the template rendered from their files', async () => {
    const spc = readSecretProviderClass(path.join(root, 'examples/extensions/secretproviderclass.yaml'));
    const pod = readExamplePod(path.join(root, 'examples/extensions/pod.yaml'));
    const clientId = randomUUID();
    stack.nmi.bind(pod.namespace, pod.name, clientId);
    const all = { secrets: ['get', 'list'], keys: ['get'], certificates: ['get'] } as const;
    const main = stack.keyVault.addVault('kvname').grant(clientId, all);
    const shared = stack.keyVault.addVault('kvname-shared').grant(clientId, all);
    main.setSecret('db', JSON.stringify({ username: 'app', hosts: [{ port: 5432 }] }));
    const chain = makeCertificateChain('example');
    main.importCertificate('web-tls', {
      pfx: chain.pfx(['leaf', 'intermediate', 'root']),
      tags: { owner: 'web' },
    });
    main.setSecret('app-one', { value: 'one', tags: { env: 'prod' } });
    main.setSecret('app-two', { value: 'two', tags: { env: 'prod' } });
    main.setSecret('app-test', { value: 'test', tags: { env: 'test' } });
    const key = makeRsaKey();
    shared.setKey('signing-key', { pem: key.privatePem });

    const outcome = await mount(stack, spc.spec.parameters, { ...pod, uid: randomUUID() });
    expect(outcome.message).toBeUndefined();
    const files = readVisibleFiles(outcome.targetPath);
    expect(Object.keys(files).sort()).toEqual([
      'app-one',
      'app-two',
      'conf/app.env',
      'conf/db-port',
      'db',
      'db-user',
      'signing-key',
      'tls.crt',
      'tls.crt.metadata.json',
      'tls.key',
    ]);
    expect(files['db-user']).toBe('app');
    expect(files['conf/db-port']).toBe('5432');
    expect(files['tls.key']).toBe(chain.leafKeyPem);
    expect(files['tls.crt']).toBe(chain.leafPem + chain.intermediatePem + chain.rootPem);
    expect(JSON.parse(files['tls.crt.metadata.json']!)).toMatchObject({
      name: 'web-tls',
      tags: { owner: 'web' },
    });
    expect(files['signing-key']).toBe(key.publicPem);
    // The template (docs/extensions.md §8) reads jmesPath files, a sidecar and a wildcard match; the
    // optional feature-flags is missing, so its line is left out. No ObjectVersion for it.
    const expires = JSON.parse(files['tls.crt.metadata.json']!).expires as string;
    expect(expires).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(files['conf/app.env']).toBe(`DB_USER=app\nDB_PORT=5432\nTLS_EXPIRES=${expires}\nAPP_ONE=one\n`);
    expect(outcome.files.find((f) => f.path === 'conf/app.env')?.mode.toString(8)).toBe('600');
    expect([...outcome.objectVersions.keys()]).toEqual([
      'secret/db',
      'secret/web-tls', // listed twice (pem-key and pem-cert): the driver keys versions by id
      'key/kvname-shared/signing-key',
      'secret/app-one',
      'secret/app-two',
    ]);
  });
});
