import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { status } from '@grpc/grpc-js';
import { ProviderStack, readExamplePod, readSecretProviderClass, readVisibleFiles } from '@keyvault-csi/demo';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mount, newPod, podIdentityParameters } from './support/mount.js';
import { makeCertificateChain, makeRsaKey } from './support/openssl.js';

const root = path.resolve(import.meta.dirname, '../..');
const PREFIX = 'failed to mount objects, error: ';

let stack: ProviderStack;
const secretValues: string[] = [];

/** A vault with its own name and identity, so tests do not see each other's objects or faults. */
function newVault(): { name: string; clientId: string; pod: ReturnType<typeof newPod> } {
  const name = `kv${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const clientId = randomUUID();
  const pod = newPod(`pod-${name}`, 'e2e');
  stack.nmi.bind(pod.namespace, pod.name, clientId);
  stack.keyVault.addVault(name).grant(clientId, {
    secrets: ['get', 'list'],
    keys: ['get', 'list'],
    certificates: ['get', 'list'],
  });
  return { name, clientId, pod };
}

function secret(vault: string, name: string, value: string): string {
  secretValues.push(value);
  return stack.keyVault.vault(vault).setSecret(name, value).version;
}

beforeAll(async () => {
  stack = await ProviderStack.start();
});

afterAll(async () => {
  const exit = await stack?.daemon.stop();
  const output = stack?.daemon.output ?? '';
  await stack?.stop();
  // The log audit: no secret value the vaults served, and no bearer token, ever reached the logs.
  for (const value of secretValues) expect(output).not.toContain(value);
  expect(output).not.toMatch(/eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/);
  expect(output).not.toContain('PRIVATE KEY');
  expect(exit?.code).toBe(0);
});

describe('the pod-identity example (examples/pod-identity)', () => {
  it('mounts secret1 and key1 with the bytes the Go provider writes', async () => {
    const spc = readSecretProviderClass(path.join(root, 'examples/pod-identity/secretproviderclass.yaml'));
    const pod = readExamplePod(path.join(root, 'examples/pod-identity/pod.yaml'));
    const clientId = randomUUID();
    stack.nmi.bind(pod.namespace, pod.name, clientId);
    const key = makeRsaKey(root);
    stack.keyVault.addVault('kvname').grant(clientId, { secrets: ['get'], keys: ['get'] });
    const secretVersion = secret('kvname', 'secret1', 'the-value-of-secret1');
    const keyVersion = stack.keyVault.vault('kvname').setKey('key1', { pem: key.privatePem }).version;

    const outcome = await mount(stack, spc.spec.parameters, { ...pod, uid: randomUUID() });

    expect(outcome.message).toBeUndefined();
    expect(readVisibleFiles(outcome.targetPath)).toEqual({
      key1: key.publicPem,
      secret1: 'the-value-of-secret1',
    });
    expect(outcome.files.map((f) => [f.path, f.mode])).toEqual([
      ['secret1', 0o644],
      ['key1', 0o644],
    ]);
    expect([...outcome.objectVersions]).toEqual([
      ['secret/secret1', secretVersion],
      ['key/key1', keyVersion],
    ]);
  });
});

describe('object types and options', () => {
  it('converts a PFX-backed certificate secret to key + leaf → intermediate → root, whatever the stored order', async () => {
    const { name, pod } = newVault();
    const chain = makeCertificateChain('shop');
    const pfx = chain.pfx(['root', 'leaf', 'intermediate']);
    stack.keyVault.vault(name).importCertificate('tls', { pfx });
    stack.keyVault
      .vault(name)
      .importCertificate('tls-legacy', { pfx: chain.pfx(['leaf', 'intermediate', 'root'], true) });

    const outcome = await mount(
      stack,
      podIdentityParameters(name, [
        { objectName: 'tls', objectType: 'secret' },
        { objectName: 'tls-legacy', objectType: 'secret', objectAlias: 'legacy/tls.pem' },
        { objectName: 'tls', objectType: 'cert', objectAlias: 'tls.cer.pem' },
        { objectName: 'tls', objectType: 'secret', objectFormat: 'pfx', objectAlias: 'tls.pfx.b64' },
      ]),
      pod,
    );

    expect(outcome.message).toBeUndefined();
    const files = readVisibleFiles(outcome.targetPath);
    const bundle = chain.leafKeyPem + chain.leafPem + chain.intermediatePem + chain.rootPem;
    expect(files['tls']).toBe(bundle);
    expect(files['legacy/tls.pem']).toBe(bundle);
    expect(files['tls.cer.pem']).toBe(chain.leafPem);
    expect(files['tls.pfx.b64']).toBe(pfx.toString('base64'));
  });

  it('decodes base64 and hex secrets, honours aliases in sub-directories and filePermission', async () => {
    const { name, pod } = newVault();
    secret(name, 'b64', 'QmFzZTY0RW5jb2RlZFN0cmluZw==');
    secret(name, 'hex', '486578456E636F646564537472696E67');
    secret(name, 'plain', 'plain-value');

    const outcome = await mount(
      stack,
      podIdentityParameters(name, [
        { objectName: 'b64', objectType: 'secret', objectEncoding: 'base64' },
        { objectName: 'hex', objectType: 'secret', objectEncoding: 'HEX' },
        {
          objectName: 'plain',
          objectType: 'secret',
          objectAlias: 'config/db/password',
          filePermission: '0600',
        },
      ]),
      pod,
    );

    expect(outcome.message).toBeUndefined();
    expect(readVisibleFiles(outcome.targetPath)).toEqual({
      b64: 'Base64EncodedString',
      hex: 'HexEncodedString',
      'config/db/password': 'plain-value',
    });
    expect(outcome.files.find((f) => f.path === 'config/db/password')?.mode).toBe(0o600);
  });

  it('mounts exactly N versions with objectVersionHistory, newest first', async () => {
    const { name, pod } = newVault();
    const created = Date.now() / 1000;
    for (let i = 1; i <= 4; i++) {
      secretValues.push(`history-value-${i}`);
      stack.keyVault
        .vault(name)
        .setSecret('rotating', { value: `history-value-${i}`, created: created - 100 + i });
    }
    const outcome = await mount(
      stack,
      podIdentityParameters(name, [
        { objectName: 'rotating', objectType: 'secret', objectVersionHistory: 3 },
      ]),
      pod,
    );
    expect(outcome.message).toBeUndefined();
    expect(readVisibleFiles(outcome.targetPath)).toEqual({
      'rotating/0': 'history-value-4',
      'rotating/1': 'history-value-3',
      'rotating/2': 'history-value-2',
    });
    expect([...outcome.objectVersions.keys()]).toEqual([
      'secret/rotating/0',
      'secret/rotating/1',
      'secret/rotating/2',
    ]);
  });

  it('picks up a rotated secret on the next mount and changes its object version', async () => {
    const { name, pod } = newVault();
    const v1 = secret(name, 'db', 'first-password');
    const params = podIdentityParameters(name, [{ objectName: 'db', objectType: 'secret' }]);
    const first = await mount(stack, params, pod);
    const v2 = secret(name, 'db', 'second-password');
    const second = await mount(stack, params, pod, { targetPath: first.targetPath });
    expect(first.objectVersions.get('secret/db')).toBe(v1);
    expect(second.objectVersions.get('secret/db')).toBe(v2);
    expect(readFileSync(path.join(first.targetPath, 'db'), 'utf8')).toBe('second-password');
  });
});

describe('errors the user sees', () => {
  it('rejects bad parameters with INVALID_ARGUMENT and the reference text', async () => {
    const { name, pod } = newVault();
    const outcome = await mount(
      stack,
      { ...podIdentityParameters(name, [{ objectName: 'a', objectType: 'secret' }]), usePodIdentity: 'tru' },
      pod,
    );
    expect(outcome.grpcCode).toBe(status.INVALID_ARGUMENT);
    expect(outcome.message).toBe(
      `${PREFIX}failed to parse usePodIdentity flag, error: strconv.ParseBool: parsing "tru": invalid syntax`,
    );
  });

  it('answers NOT_FOUND for a missing secret and lists every failing object', async () => {
    const { name, pod } = newVault();
    secret(name, 'present', 'present-value');
    const outcome = await mount(
      stack,
      podIdentityParameters(name, [
        { objectName: 'missing', objectType: 'secret' },
        { objectName: 'present', objectType: 'secret' },
        { objectName: 'gone', objectType: 'key', objectVersion: '0123456789abcdef0123456789abcdef' },
      ]),
      pod,
    );
    expect(outcome.grpcCode).toBe(status.NOT_FOUND);
    expect(outcome.message).toMatch(
      new RegExp(
        `^${PREFIX}failed to get objectType:secret, objectName:missing, objectVersion:: .*SecretNotFound`,
      ),
    );
    expect(outcome.message).toContain(
      '; failed to get objectType:key, objectName:gone, objectVersion:0123456789abcdef0123456789abcdef: ',
    );
    expect(outcome.message).not.toContain('present-value');
  });

  it('answers PERMISSION_DENIED when the identity has no access, even right after an allowed identity', async () => {
    const { name, pod } = newVault();
    secret(name, 'guarded', 'guarded-value');
    const params = podIdentityParameters(name, [{ objectName: 'guarded', objectType: 'secret' }]);
    expect((await mount(stack, params, pod)).ok).toBe(true);

    const intruder = newPod('intruder', 'e2e');
    stack.nmi.bind(intruder.namespace, intruder.name, randomUUID());
    const denied = await mount(stack, params, intruder);
    expect(denied.grpcCode).toBe(status.PERMISSION_DENIED);
    expect(denied.message).toMatch(
      /^failed to mount objects, error: failed to get objectType:secret, objectName:guarded, objectVersion:: .*403/,
    );
    expect(denied.message).not.toContain('guarded-value');
  });
});

describe('NMI', () => {
  it('waits out NMI answering 404 while the identity is being assigned', async () => {
    const { name, pod } = newVault();
    secret(name, 'late', 'late-value');
    const before = stack.nmi.calls;
    stack.nmi.injectFaults({ times: 2, status: 404 });
    const outcome = await mount(
      stack,
      podIdentityParameters(name, [{ objectName: 'late', objectType: 'secret' }]),
      pod,
    );
    expect(outcome.message).toBeUndefined();
    expect(readVisibleFiles(outcome.targetPath)).toEqual({ late: 'late-value' });
    expect(stack.nmi.calls - before).toBe(3);
  });

  it('fails with FAILED_PRECONDITION naming the pod, NMI status and body when the identity never arrives', async () => {
    const { name } = newVault();
    const unbound = newPod('unbound', 'e2e');
    const outcome = await mount(
      stack,
      podIdentityParameters(name, [{ objectName: 'x', objectType: 'secret' }]),
      unbound,
      { timeoutMs: 8000 },
    );
    expect(outcome.grpcCode).toBe(status.FAILED_PRECONDITION);
    expect(outcome.message).toContain(
      'nmi response failed with status code: 404, response body: getting assigned identities for pod e2e/unbound in CREATED state failed after 16 attempts',
    );
    expect(outcome.message).toContain('pod e2e/unbound');
  });
});

describe('Key Vault throttling and outages', () => {
  it('recovers from 429 with and without Retry-After', async () => {
    const { name, pod } = newVault();
    secret(name, 'busy', 'busy-value');
    secret(name, 'busier', 'busier-value');
    const withHeader = stack.keyVault.injectFault({
      vault: name,
      path: /\/secrets\/busy\//,
      times: 1,
      action: { type: 'throttle', retryAfterSeconds: 1 },
    });
    const withoutHeader = stack.keyVault.injectFault({
      vault: name,
      path: /\/secrets\/busier\//,
      times: 1,
      action: { type: 'throttle' },
    });
    const outcome = await mount(
      stack,
      podIdentityParameters(name, [
        { objectName: 'busy', objectType: 'secret' },
        { objectName: 'busier', objectType: 'secret' },
      ]),
      pod,
    );
    expect(outcome.message).toBeUndefined();
    expect(readVisibleFiles(outcome.targetPath)).toEqual({ busy: 'busy-value', busier: 'busier-value' });
    expect(withHeader.matched).toBe(1);
    expect(withoutHeader.matched).toBe(1);
  });

  it('answers RESOURCE_EXHAUSTED when throttling outlasts the mount budget, and ABORTED for a lasting 5xx', async () => {
    const { name, pod } = newVault();
    secret(name, 'throttled', 'throttled-value');
    secret(name, 'broken', 'broken-value');
    const throttle = stack.keyVault.injectFault({
      vault: name,
      path: /\/secrets\/throttled\//,
      action: { type: 'throttle' },
    });
    const broken = stack.keyVault.injectFault({
      vault: name,
      path: /\/secrets\/broken\//,
      action: { type: 'status', status: 500, code: 'InternalServerError', message: 'boom' },
    });
    try {
      const throttled = await mount(
        stack,
        podIdentityParameters(name, [{ objectName: 'throttled', objectType: 'secret' }]),
        pod,
        { timeoutMs: 9000 },
      );
      expect(throttled.grpcCode).toBe(status.RESOURCE_EXHAUSTED);
      expect(throttled.message).toContain('objectName:throttled');
      expect(throttled.message).toContain('429');

      const failing = await mount(
        stack,
        podIdentityParameters(name, [{ objectName: 'broken', objectType: 'secret' }]),
        pod,
        { timeoutMs: 20_000 },
      );
      expect(failing.grpcCode).toBe(status.ABORTED);
      expect(failing.message).toContain('objectName:broken');
      expect(failing.message).toContain('500');
    } finally {
      throttle.remove();
      broken.remove();
    }
  });
});
