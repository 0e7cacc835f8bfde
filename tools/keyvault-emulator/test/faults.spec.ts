import { request } from 'node:https';
import { SecretClient } from '@azure/keyvault-secrets';
import { issueTestToken } from '@keyvault-csi/test-tokens';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KeyVaultEmulator } from '../src/index.js';
import { rawGet, TEST_TLS_DIR, TestTokenCredential } from './helpers.js';

describe('fault and latency injection, request log and counters', () => {
  let kv: KeyVaultEmulator;
  const client = (clientId = 'app') =>
    new SecretClient(kv.url, new TestTokenCredential(clientId), {
      disableChallengeResourceVerification: true,
    });
  const statusesOf = (path: string) =>
    kv.requests.filter((r) => r.path === path && !r.probe).map((r) => r.status);

  beforeAll(async () => {
    kv = await KeyVaultEmulator.start({ tlsDir: TEST_TLS_DIR });
    const vault = kv.addVault('kv-faults');
    for (const id of ['app', 'noisy', 'quiet']) vault.grant(id, { secrets: ['get', 'list'] });
    vault.setSecret('s', 'value');
    vault.setSecret('t', 'other');
  });
  afterAll(() => kv.stop());
  beforeEach(() => {
    kv.clearFaults();
    kv.latencyMs = 0;
    kv.resetStats();
  });

  it('429 without Retry-After: the SDK gives up after one attempt with RestError 429 Throttled', async () => {
    kv.injectFault({ path: '/secrets/s', action: { type: 'throttle' } });
    await expect(client().getSecret('s')).rejects.toMatchObject({ statusCode: 429, code: 'Throttled' });
    expect(statusesOf('/secrets/s/')).toEqual([429]);
    const raw = await rawGet(`${kv.url}/secrets/s/?api-version=7.4`, { clientId: 'app' });
    expect(raw.headers['retry-after']).toBeUndefined();
    expect(JSON.parse(raw.body).error.message).toBe(
      'Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached',
    );
  });

  it('429 with retry-after-ms on the first attempt only: the SDK waits, retries the same request and succeeds', async () => {
    const rule = kv.injectFault({
      path: /^\/secrets\/s\/?$/,
      attempts: [1],
      action: { type: 'throttle', retryAfterMs: 20 },
    });
    expect((await client().getSecret('s')).value).toBe('value');
    expect(statusesOf('/secrets/s/')).toEqual([429, 200]);
    const [first, second] = kv.requests.filter((r) => !r.probe);
    expect(second?.clientRequestId).toBe(first?.clientRequestId);
    expect(first?.fault).toBe('throttle');
    expect(rule.matched).toBe(1);
  });

  it('sends Retry-After in seconds when asked', async () => {
    kv.injectFault({ action: { type: 'throttle', retryAfterSeconds: 3 }, times: 1 });
    const raw = await rawGet(`${kv.url}/secrets/s/?api-version=7.4`, { clientId: 'app' });
    expect(raw.status).toBe(429);
    expect(raw.headers['retry-after']).toBe('3');
    expect((await rawGet(`${kv.url}/secrets/s/?api-version=7.4`, { clientId: 'app' })).status).toBe(200);
  });

  it('503 on the first attempt and a reset connection are retried by the SDK', async () => {
    kv.injectFault({ path: '/secrets/s/', attempts: [1], action: { type: 'unavailable' } });
    kv.injectFault({ path: '/secrets/t/', attempts: [1], action: { type: 'reset' } });
    const [s, t] = await Promise.all([client().getSecret('s'), client().getSecret('t')]);
    expect([s.value, t.value]).toEqual(['value', 'other']);
    expect(statusesOf('/secrets/s/')).toEqual([503, 200]);
    expect(statusesOf('/secrets/t/')).toEqual([0, 200]);
  });

  it('status rules answer with a Key Vault error body; identity and method narrow them; handles remove them', async () => {
    const rule = kv.injectFault({
      identity: 'noisy',
      method: 'GET',
      action: { type: 'status', status: 409, code: 'Conflict', message: 'busy', innerCode: 'Injected' },
    });
    await expect(client('noisy').getSecret('s')).rejects.toMatchObject({
      statusCode: 409,
      code: 'Conflict',
      message: 'busy',
      details: { error: { innerError: { code: 'Injected' } } },
    });
    expect((await client('quiet').getSecret('s')).value).toBe('value');
    rule.remove();
    expect((await client('noisy').getSecret('s')).value).toBe('value');
  });

  it('truncates a body mid-way and closes the connection', async () => {
    kv.injectFault({ action: { type: 'truncate' }, times: 1 });
    const outcome = await new Promise<string>((resolve) => {
      const req = request(
        `${kv.url}/secrets/s/?api-version=7.4`,
        { headers: authHeader(), agent: false },
        (res) => {
          let length = 0;
          res.on('data', (c: Buffer) => (length += c.length));
          res.on('error', () => resolve(`error after ${length} of ${res.headers['content-length']}`));
          res.on('end', () => resolve(`complete ${length}`));
        },
      );
      req.on('error', (e) => resolve(`request error ${e.message}`));
      req.end();
    });
    expect(outcome).toMatch(/^error after \d+ of \d+$/);
    expect(kv.requests.at(-1)).toMatchObject({ fault: 'truncate', status: 0 });
  });

  it('delays and global latency hold answers back (seen through the caller’s abort signal)', async () => {
    kv.injectFault({ path: '/secrets/s/', action: { type: 'delay', ms: 1_500 }, times: 1 });
    await expect(client().getSecret('s', { abortSignal: AbortSignal.timeout(150) })).rejects.toMatchObject({
      name: 'AbortError',
    });
    kv.latencyMs = 1_500;
    await expect(client().getSecret('t', { abortSignal: AbortSignal.timeout(150) })).rejects.toMatchObject({
      name: 'AbortError',
    });
    kv.latencyMs = 0;
    expect((await client().getSecret('t')).value).toBe('other');
    // Requests whose client gave up before the answer are logged with status 0.
    await new Promise((r) => setTimeout(r, 50));
    expect(kv.requests.filter((r) => r.status === 0).map((r) => r.fault ?? 'latency')).toEqual([
      'delay',
      'latency',
    ]);
  });

  it('counts requests per path, identity, probe/authorised and api-version; resetStats clears them', async () => {
    await client('noisy').getSecret('s');
    await client('quiet').getSecret('s');
    await client('quiet').getSecret('t');
    const stats = kv.stats();
    expect(stats).toMatchObject({
      total: 6,
      probes: 3,
      authorized: 3,
      byIdentity: { noisy: 1, quiet: 2 },
      byPath: { 'GET /secrets/s/': 4, 'GET /secrets/t/': 2 },
      apiVersions: { '2025-07-01': 6 },
      byStatus: { '200': 3, '401': 3 },
    });
    expect(kv.countRequests({ path: '/secrets/s', identity: 'quiet' })).toBe(1);
    kv.resetStats();
    expect(kv.stats()).toMatchObject({ total: 0, probes: 0, authorized: 0, byPath: {} });
  });
});

function authHeader(): Record<string, string> {
  const { token } = issueTestToken({ audience: 'https://vault.azure.net', clientId: 'app' });
  return { authorization: `Bearer ${token}` };
}
