import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_ID, demoAttributes, type Fakes, objects, POD, startFakes, VAULT } from './support/fakes.js';
import { mount, providerClient } from './support/grpc-calls.js';
import { startTestProvider, type TestProvider } from './support/test-provider.js';

const SECRET_VALUE = 'S3cr3t-value-that-must-never-be-logged';

describe('Mount through fake NMI and the Key Vault emulator', () => {
  let fakes: Fakes;
  let running: TestProvider;
  let client: ReturnType<typeof providerClient>;
  let secretVersion: string;

  beforeAll(async () => {
    fakes = await startFakes();
    const vault = fakes.kv.addVault(VAULT).grant(CLIENT_ID, { secrets: ['get', 'list'] });
    secretVersion = vault.setSecret('secret1', SECRET_VALUE).version;
    running = await startTestProvider({ nmiEndpoint: fakes.nmi.url });
    client = providerClient(running.socketPath);
  });
  afterAll(async () => {
    client?.close();
    await running?.close();
    await fakes?.stop();
  });

  it('returns the files and a non-empty object_version', async () => {
    const { response, error } = await mount(client, {
      attributes: demoAttributes({ objects: objects('objectName: secret1\nobjectType: secret') }),
    });
    expect(error).toBeUndefined();
    expect(response?.objectVersion).toEqual([{ id: 'secret/secret1', version: secretVersion }]);
    expect(response?.files.map((f) => [f.path, f.mode, Buffer.from(f.contents).toString()])).toEqual([
      ['secret1', 420, SECRET_VALUE],
    ]);
    expect(response?.error).toBeUndefined();
  });

  it('serves concurrent mounts of one pod with one NMI call and coalesced GETs', async () => {
    const pod = { ...POD, uid: '00000000-0000-4000-8000-000000000041' };
    const attributes = demoAttributes({ objects: objects('objectName: secret1\nobjectType: secret') }, pod);
    const nmiBefore = fakes.nmi.calls;
    const getsBefore = fakes.kv.countRequests({ path: '/secrets/secret1', probe: false });
    const results = await Promise.all(Array.from({ length: 20 }, () => mount(client, { attributes })));
    expect(results.map((r) => r.error?.details ?? 'ok')).toEqual(Array(20).fill('ok'));
    expect(fakes.nmi.calls - nmiBefore).toBe(1);
    // Identical GETs in flight at the same time are coalesced by the fetcher.
    const gets = fakes.kv.countRequests({ path: '/secrets/secret1', probe: false }) - getsBefore;
    expect(gets).toBeLessThan(20);
  });

  it('answers INVALID_ARGUMENT with the exact spc text for bad attributes', async () => {
    const noPod = await mount(client, {
      attributes: demoAttributes({ objects: 'x' }, { namespace: 'default' }),
    });
    expect(noPod.error?.code).toBe(status.INVALID_ARGUMENT);
    expect(noPod.error?.details).toBe('failed to mount objects, error: pod name is not provided');
    const empty = await mount(client, { attributes: '' });
    expect(empty.error?.code).toBe(status.INVALID_ARGUMENT);
    expect(empty.error?.details).toMatch(
      /^failed to mount objects, error: failed to unmarshal attributes, error: /,
    );
    const permission = await mount(client, {
      attributes: demoAttributes({ objects: objects('objectName: secret1\nobjectType: secret') }),
      permission: '777',
    });
    expect(permission.error?.code).toBe(status.INVALID_ARGUMENT);
    expect(permission.error?.details).toMatch(
      /^failed to mount objects, error: failed to unmarshal file permission/,
    );
  });

  it("answers identity-binding mounts with the stored start-up failure (FAILED_PRECONDITION), the reference's text", async () => {
    const { error } = await mount(client, {
      attributes: demoAttributes({
        usePodIdentity: 'false',
        useAzureTokenProxy: 'true',
        clientID: '11111111-2222-3333-4444-555555555555',
        'csi.storage.k8s.io/serviceAccount.tokens': JSON.stringify({
          'api://AKSIdentityBinding': {
            token: 'header.payload.signature',
            expirationTimestamp: '2030-01-01T00:00:00Z',
          },
        }),
        objects: objects('objectName: secret1\nobjectType: secret'),
      }),
    });
    expect(error?.code).toBe(status.FAILED_PRECONDITION);
    const caFile = join(running.dir, 'no-such-ca.crt');
    expect(error?.details).toBe(
      `failed to mount objects, error: failed to get keyvault client: proxy transport not available: compute SNI name: extract cluster ID from API server certificate: read CA file ${caFile}: open ${caFile}: no such file or directory (use --sni-name flag to skip automatic SNI detection)`,
    );
  });

  it('answers INVALID_ARGUMENT with the reference text for a service principal without nodePublishSecretRef', async () => {
    const { error } = await mount(client, {
      attributes: demoAttributes({
        usePodIdentity: 'false',
        objects: objects('objectName: secret1\nobjectType: secret'),
      }),
      secrets: 'null',
    });
    expect(error?.code).toBe(status.INVALID_ARGUMENT);
    expect(error?.details).toBe(
      'failed to mount objects, error: failed to build auth config for mode None: failed to get credentials, nodePublishSecretRef secret is not set',
    );
  });

  it('answers NOT_FOUND listing every failing object', async () => {
    const { error } = await mount(client, {
      attributes: demoAttributes({
        objects: objects(
          'objectName: missing-one\nobjectType: secret',
          'objectName: secret1\nobjectType: secret',
          'objectName: missing-two\nobjectType: secret',
        ),
      }),
    });
    expect(error?.code).toBe(status.NOT_FOUND);
    expect(error?.details).toMatch(
      /^failed to mount objects, error: failed to get objectType:secret, objectName:missing-one/,
    );
    expect(error?.details).toContain('objectName:missing-two');
    expect(error?.details).not.toContain(SECRET_VALUE);
  });

  it('answers PERMISSION_DENIED when NMI refuses the token (403)', async () => {
    fakes.nmi.injectFaults({ status: 403, times: 1 });
    const { error } = await mount(client, {
      attributes: demoAttributes(
        { objects: objects('objectName: secret1\nobjectType: secret') },
        { ...POD, uid: '00000000-0000-4000-8000-000000000127' },
      ),
    });
    expect(error?.code).toBe(status.PERMISSION_DENIED);
    expect(error?.details).toContain('nmi response failed with status code: 403');
  });

  it('rides out a late NMI (404, then the identity is assigned)', async () => {
    fakes.nmi.injectFaults({ status: 404, times: 1 });
    const { response, error } = await mount(client, {
      attributes: demoAttributes(
        { objects: objects('objectName: secret1\nobjectType: secret') },
        { ...POD, uid: '00000000-0000-4000-8000-000000000139' },
      ),
    });
    expect(error).toBeUndefined();
    expect(response?.objectVersion).toHaveLength(1);
  });

  it('answers DEADLINE_EXCEEDED when the NMI request is still in flight at the budget end', async () => {
    fakes.nmi.injectFaults({ delayMs: 6000, times: 1 });
    // A 7 s deadline leaves a 3.5 s budget (half of what remains below 10 s).
    const { error } = await mount(
      client,
      {
        attributes: demoAttributes(
          { objects: objects('objectName: secret1\nobjectType: secret') },
          { ...POD, uid: '00000000-0000-4000-8000-000000000154' },
        ),
      },
      7000,
    );
    expect(error?.code).toBe(status.DEADLINE_EXCEEDED);
    // Which step the text names (the NMI call inside the SDK's get) is the fetcher's wording.
    expect(error?.details).toMatch(
      /^failed to mount objects, error: failed to get objectType:secret, objectName:secret1.*deadline/,
    );
    fakes.nmi.clearFaults();
  });

  it('answers RESOURCE_EXHAUSTED when Key Vault keeps throttling past the retries the budget allows', async () => {
    const fault = fakes.kv.injectFault({
      vault: VAULT,
      path: '/secrets/secret1',
      action: { type: 'throttle' },
    });
    try {
      const { error } = await mount(
        client,
        { attributes: demoAttributes({ objects: objects('objectName: secret1\nobjectType: secret') }) },
        7000,
      );
      expect(error?.code).toBe(status.RESOURCE_EXHAUSTED);
      expect(error?.details).toMatch(
        /^failed to mount objects, error: failed to get objectType:secret, objectName:secret1.*429/,
      );
      expect(fault.matched).toBeGreaterThan(1);
    } finally {
      fault.remove();
    }
  });

  it('bounds a 1 MB echoed value and repairs a lone surrogate', async () => {
    const huge = await mount(client, {
      attributes: demoAttributes({ keyvaultName: 'v'.repeat(1_000_000), objects: objects('objectName: a') }),
    });
    expect(huge.error?.code).toBe(status.INVALID_ARGUMENT);
    expect(Buffer.byteLength(huge.error?.details ?? '')).toBeLessThanOrEqual(4096);
    expect(huge.error?.details).toMatch(/^failed to mount objects, error: /);

    const surrogate = await mount(client, {
      attributes: demoAttributes({ keyvaultName: 'kv', objects: objects('objectName: a') }).replace(
        '"kv"',
        '"k\\ud800v"',
      ),
    });
    expect(surrogate.error?.code).toBe(status.INVALID_ARGUMENT);
    expect(surrogate.error?.details).toMatch(/^failed to mount objects, error: /);
    expect(surrogate.error?.details).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });

  it('logs one line per mount and never a secret value or a token', async () => {
    const mounts = running.logs
      .records()
      .filter((r) => r['msg'] === 'mount' || r['msg'] === 'failed to process mount request');
    expect(mounts.length).toBeGreaterThanOrEqual(7);
    const ok = mounts.find((r) => r['outcome'] === 'OK');
    expect(ok).toMatchObject({
      pod: `${POD.namespace}/${POD.name}`,
      spc: 'azure-kvname-podid',
      objects: 1,
      mode: 'PodIdentity',
    });
    expect(typeof ok?.['durationMs']).toBe('number');
    expect(ok).toMatchObject({ caller: 'mount/mount-call.ts', v: 0 });
    expect(typeof ok?.['ts']).toBe('number');
    // The reference's error line: `err` without the status wrapping, and no `v` (zapr's error form).
    const notFound = mounts.find((r) => r['outcome'] === 'NOT_FOUND');
    expect(notFound).toMatchObject({ errorCode: 'KV:SecretNotFound', caller: 'mount/mount-call.ts' });
    expect(notFound?.['err']).toMatch(/secret1|missing|not found/i);
    expect(notFound?.['err']).not.toMatch(/^failed to mount objects, error: /);
    expect(notFound).not.toHaveProperty('v');
    expect(running.logs.text).not.toContain(SECRET_VALUE);
    expect(running.logs.text).not.toMatch(/eyJ[\w-]{10,}\.[\w-]{10,}/);
  });

  it('counts Key Vault, NMI and gRPC requests with bounded labels', async () => {
    const text = await running.provider.metrics.exposition();
    expect(text).toMatch(
      /keyvault_request_count\{object_type="secret",operation="get",error="",provider="azure",os_type="linux",service_name="csi-secrets-store-provider-azure",otel_scope_name="csi-secrets-store-provider-azure"\} [1-9]/,
    );
    expect(text).toMatch(/keyvault_request_count\{object_type="secret",operation="get",error="not_found"/);
    expect(text).toMatch(/nmi_request_count\{status="200"\} [1-9]/);
    expect(text).toMatch(/token_cache_total\{result="(miss|hit)"\} [1-9]/);
    expect(text).toMatch(
      /grpc_request_count\{grpc_method="\/v1alpha1.CSIDriverProvider\/Mount",grpc_code="InvalidArgument"/,
    );
    expect(text).toContain('mounts_in_flight 0');
    expect(text).not.toMatch(/secret1|missing-one|busybox/);
  });
});
