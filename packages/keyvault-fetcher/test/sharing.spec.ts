import type { KeyVaultEmulator } from '@keyvault-csi/keyvault-emulator';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FetcherEvent, KeyVaultFetcher, MountFetchError } from '../src/index.js';
import {
  mountFailure,
  object,
  startProxiedEmulator,
  stopProxiedEmulator,
  TestCredential,
  text,
} from './helpers.js';

const VAULT = 'kv-sharing';
/** Per-request latency for most tests; the parallelism tests raise it to make ordering unmistakable. */
const LATENCY_MS = 40;
const PARALLEL_LATENCY_MS = 150;

let kv: KeyVaultEmulator;
let vaultUrl: string;

beforeAll(async () => {
  kv = await startProxiedEmulator({ latencyMs: LATENCY_MS });
  vaultUrl = kv.vaultUrl(VAULT);
  const v = kv.vault(VAULT);
  v.grant('app-a', { secrets: ['get', 'list'] });
  v.grant('app-b', { secrets: ['get', 'list'] });
  v.setSecret('shared', 'shared value');
  for (let i = 0; i < 20; i++) v.setSecret(`s${i}`, `value ${i}`);
});

afterAll(() => stopProxiedEmulator(kv));

beforeEach(() => kv.resetStats());

const authorizedGets = (path: string, identity?: string) =>
  kv.countRequests({ path, probe: false, method: 'GET', identity });

describe('coalescing identical in-flight requests', () => {
  it('N concurrent mounts of the same object by one identity send 1 GET', async () => {
    const events: FetcherEvent[] = [];
    const fetcher = new KeyVaultFetcher({ onEvent: (e) => events.push(e) });
    const results = await Promise.all(
      Array.from({ length: 25 }, () =>
        fetcher.fetch({
          vaultUrl,
          credential: new TestCredential('app-a'),
          identityKey: 'app-a',
          objects: [object({ objectName: 'shared' })],
        }),
      ),
    );
    expect(results.map((r) => text(r.files[0]?.contents))).toEqual(Array(25).fill('shared value'));
    expect(authorizedGets('/secrets/shared')).toBe(1);
    expect(events.filter((e) => e.type === 'coalesced')).toHaveLength(24);
  });

  it('a mount that gives up does not cancel the shared request for the others', async () => {
    const slow = kv.injectFault({ path: '/secrets/shared/', action: { type: 'delay', ms: 400 } });
    try {
      const fetcher = new KeyVaultFetcher();
      const mount = (deadline?: number) =>
        fetcher.fetch({
          vaultUrl,
          credential: new TestCredential('app-a'),
          identityKey: 'app-a',
          objects: [object({ objectName: 'shared' })],
          deadline,
        });
      const [impatient, patient] = await Promise.allSettled([mount(Date.now() + 100), mount()]);
      expect(impatient.status).toBe('rejected');
      expect(((impatient as PromiseRejectedResult).reason as MountFetchError).failures[0]?.error.kind).toBe(
        'deadline',
      );
      expect(patient.status).toBe('fulfilled');
      expect(authorizedGets('/secrets/shared')).toBe(1);
    } finally {
      slow.remove();
    }
  });

  it('two identities never share: 2 GETs, one per identity', async () => {
    const fetcher = new KeyVaultFetcher();
    const mount = (id: string) =>
      fetcher.fetch({
        vaultUrl,
        credential: new TestCredential(id),
        identityKey: id,
        objects: [object({ objectName: 'shared' })],
      });
    await Promise.all([mount('app-a'), mount('app-b'), mount('app-a'), mount('app-b')]);
    expect(authorizedGets('/secrets/shared', 'app-a')).toBe(1);
    expect(authorizedGets('/secrets/shared', 'app-b')).toBe(1);
  });

  it('a denied identity stays denied, right after and while an allowed one succeeds', async () => {
    const fetcher = new KeyVaultFetcher();
    const mount = (id: string) =>
      fetcher.fetch({
        vaultUrl,
        credential: new TestCredential(id),
        identityKey: id,
        objects: [object({ objectName: 'shared' })],
      });
    const allowed = await mount('app-a');
    expect(text(allowed.files[0]?.contents)).toBe('shared value');
    const deniedAfter = await mount('intruder').catch((e: unknown) => e);
    expect(deniedAfter).toBeInstanceOf(MountFetchError);
    expect((deniedAfter as MountFetchError).failures[0]?.error.keyVaultCode).toBe('AccessDenied');
    const [ok, denied] = await Promise.allSettled([mount('app-a'), mount('intruder')]);
    expect(ok.status).toBe('fulfilled');
    expect(denied.status).toBe('rejected');
    expect(((denied as PromiseRejectedResult).reason as MountFetchError).message).toContain(
      '403 AccessDenied',
    );
  });
});

describe('client and challenge reuse', () => {
  it('one challenge probe and one token for many sequential mounts of one identity', async () => {
    const fetcher = new KeyVaultFetcher();
    const credentials = Array.from({ length: 8 }, () => new TestCredential('app-a'));
    for (const credential of credentials) {
      await fetcher.fetch({
        vaultUrl,
        credential,
        identityKey: 'app-a',
        objects: [object({ objectName: 's1' })],
      });
    }
    expect(kv.countRequests({ probe: true })).toBe(1);
    expect(authorizedGets('/secrets/s1')).toBe(8);
    expect(credentials.map((c) => c.calls)).toEqual([1, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('routes token requests to the current mount’s credential once the cached token is gone', async () => {
    // A fresh fetcher and identity: the first mount's credential fails, the next mount's works.
    const fetcher = new KeyVaultFetcher();
    const broken = new TestCredential('app-b', { fail: new Error('NMI unavailable') });
    const first = await mountFailure(
      fetcher.fetch({
        vaultUrl,
        credential: broken,
        identityKey: 'app-b',
        objects: [object({ objectName: 's2' })],
      }),
    );
    expect((first as MountFetchError).failures[0]?.error.kind).toBe('credential');
    const working = new TestCredential('app-b');
    const second = await fetcher.fetch({
      vaultUrl,
      credential: working,
      identityKey: 'app-b',
      objects: [object({ objectName: 's2' })],
    });
    expect(text(second.files[0]?.contents)).toBe('value 2');
    expect(working.calls).toBe(1);
  });

  it('a new client answers the challenge once, however many requests start together', async () => {
    const fetcher = new KeyVaultFetcher();
    const credential = new TestCredential('app-a');
    const objects = Array.from({ length: 10 }, (_, i) => object({ objectName: `s${i}` }));
    await Promise.all(
      Array.from({ length: 5 }, () => fetcher.fetch({ vaultUrl, credential, identityKey: 'app-a', objects })),
    );
    expect(kv.countRequests({ probe: true })).toBe(1);
    expect(kv.countRequests({ probe: false })).toBe(10);
    expect(credential.calls).toBe(1);
  });

  it('fails every object of a first mount whose credential fails, without hanging', async () => {
    const fetcher = new KeyVaultFetcher();
    const broken = new TestCredential('app-a', { fail: new Error('NMI unavailable') });
    const objects = Array.from({ length: 4 }, (_, i) => object({ objectName: `s${i}` }));
    const error = await mountFailure(
      fetcher.fetch({ vaultUrl, credential: broken, identityKey: 'app-a', objects }),
    );
    expect(error.failures.map((f) => f.error.kind)).toEqual([
      'credential',
      'credential',
      'credential',
      'credential',
    ]);
  });

  it('each identity gets its own client and challenge', async () => {
    const fetcher = new KeyVaultFetcher();
    for (const id of ['app-a', 'app-b', 'app-a', 'app-b']) {
      await fetcher.fetch({
        vaultUrl,
        credential: new TestCredential(id),
        identityKey: id,
        objects: [object({ objectName: 's3' })],
      });
    }
    expect(kv.countRequests({ probe: true })).toBe(2);
  });
});

describe('parallelism', () => {
  beforeAll(() => {
    kv.latencyMs = PARALLEL_LATENCY_MS;
  });
  afterAll(() => {
    kv.latencyMs = LATENCY_MS;
  });

  const arrivals = () =>
    kv.requests
      .filter((r) => !r.probe && /^\/secrets\/s\d+\/?$/.test(r.path))
      .map((r) => r.time)
      .sort((a, b) => a - b);

  it('sends the objects of one mount together, not one after another', async () => {
    const fetcher = new KeyVaultFetcher();
    const credential = new TestCredential('app-a');
    // Warm up: the challenge handshake happens once per client.
    await fetcher.fetch({
      vaultUrl,
      credential,
      identityKey: 'app-a',
      objects: [object({ objectName: 'shared' })],
    });
    kv.resetStats();
    const objects = Array.from({ length: 20 }, (_, i) => object({ objectName: `s${i}` }));
    const result = await fetcher.fetch({ vaultUrl, credential, identityKey: 'app-a', objects });
    expect(result.files.map((f) => f.path)).toEqual(objects.map((o) => o.objectName));
    const times = arrivals();
    expect(times).toHaveLength(20);
    // One after another, each request would arrive only after the previous one's latency, the last
    // 19 latencies after the first. (The margin absorbs a tunnel + TLS handshake per request on a busy machine.)
    const first = times[0] ?? 0;
    expect(times.filter((t) => t < first + PARALLEL_LATENCY_MS).length).toBeGreaterThan(1);
    expect((times.at(-1) ?? 0) - first).toBeLessThan((19 * PARALLEL_LATENCY_MS) / 3);
  });

  it('keeps at most maxConcurrency requests in flight per vault', async () => {
    const fetcher = new KeyVaultFetcher({ maxConcurrency: 2 });
    const objects = Array.from({ length: 6 }, (_, i) => object({ objectName: `s${i}` }));
    await fetcher.fetch({ vaultUrl, credential: new TestCredential('app-a'), identityKey: 'app-a', objects });
    const times = arrivals();
    expect(times).toHaveLength(6);
    // Request k+2 can only start once request k (PARALLEL_LATENCY_MS long) has finished.
    for (let k = 0; k + 2 < times.length; k++) {
      expect((times[k + 2] ?? 0) - (times[k] ?? 0)).toBeGreaterThanOrEqual(PARALLEL_LATENCY_MS - 5);
    }
  });
});
