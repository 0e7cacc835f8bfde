import { performance } from 'node:perf_hooks';
import { KeyVaultEmulator } from '@keyvault-csi/keyvault-emulator';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KeyVaultFetcher, type KeyVaultFetcherOptions } from '../src/index.js';
import {
  object,
  startProxiedEmulator,
  stopProxiedEmulator,
  TestCredential,
  text,
  tlsDir,
} from './helpers.js';

/**
 * HTTP/2 to Key Vault through HTTPS_PROXY (the production path): one tunnel and one TLS handshake
 * per vault host for a whole cold mount, HTTP/1.1 on request, fallback to HTTP/1.1 where h2 is not
 * offered, and a silently dead connection replaced within seconds.
 */
const VAULT = 'kv-http2';
const reader = new TestCredential('h2-reader');
const fifty = Array.from({ length: 50 }, (_, i) => object({ objectName: `s${i}` }));
const values = fifty.map((_, i) => `value ${i}`);

let kv: KeyVaultEmulator;
const fetchers: KeyVaultFetcher[] = [];

function newFetcher(options: KeyVaultFetcherOptions = {}): KeyVaultFetcher {
  const fetcher = new KeyVaultFetcher(options);
  fetchers.push(fetcher);
  return fetcher;
}

const mount = (fetcher: KeyVaultFetcher, emulator: KeyVaultEmulator = kv, deadline?: number) =>
  fetcher.fetch({
    vaultUrl: emulator.vaultUrl(VAULT),
    credential: reader,
    identityKey: 'h2-reader',
    objects: fifty,
    ...(deadline === undefined ? {} : { deadline }),
  });

function seed(emulator: KeyVaultEmulator): void {
  const v = emulator.vault(VAULT);
  v.grant('h2-reader', { secrets: ['get'] });
  for (let i = 0; i < 50; i++) v.setSecret(`s${i}`, values[i]!);
}

beforeAll(async () => {
  // Latency keeps the 50 requests in flight together, as against a real vault.
  kv = await startProxiedEmulator({ latencyMs: 20 });
  seed(kv);
});

afterAll(() => stopProxiedEmulator(kv));

beforeEach(() => kv.resetStats());

afterEach(async () => {
  await Promise.all(fetchers.splice(0).map((f) => f.close()));
});

describe('HTTP/2 to Key Vault', () => {
  it('a cold 50-secret mount opens one CONNECT tunnel and speaks h2 on it', async () => {
    const result = await mount(newFetcher());
    expect(result.files.map((f) => text(f.contents))).toEqual(values);
    expect(kv.stats().tunnels).toBe(1);
    expect(kv.requests.every((r) => r.httpVersion === '2.0' && r.via === 'proxy')).toBe(true);
  });

  it("httpVersion '1.1' never offers h2: the same mount needs a tunnel per concurrent request", async () => {
    const result = await mount(newFetcher({ httpVersion: '1.1' }));
    expect(result.files.map((f) => text(f.contents))).toEqual(values);
    expect(kv.requests.every((r) => r.httpVersion === '1.1')).toBe(true);
    expect(kv.stats().tunnels).toBeGreaterThan(1);
  });

  it('falls back to HTTP/1.1 where the server does not offer h2', async () => {
    const oldProxy = process.env.HTTPS_PROXY;
    const h1only = await KeyVaultEmulator.start({ tlsDir: tlsDir(), alpnProtocols: ['http/1.1'] });
    process.env.HTTPS_PROXY = h1only.proxyUrl;
    try {
      seed(h1only);
      const result = await mount(newFetcher(), h1only);
      expect(result.files.map((f) => text(f.contents))).toEqual(values);
      expect(h1only.requests.every((r) => r.httpVersion === '1.1')).toBe(true);
    } finally {
      process.env.HTTPS_PROXY = oldProxy;
      await h1only.stop();
    }
  });

  it('a silently dead connection (no answer, not closed) is replaced within seconds, not minutes', async () => {
    const fetcher = newFetcher({ http2PingIntervalMs: 500 });
    await mount(fetcher);
    expect(kv.freezeConnections()).toBeGreaterThan(0);
    kv.resetStats();
    const started = performance.now();
    // Without the watchdog the requests would sit on the frozen connection until this deadline.
    const result = await mount(fetcher, kv, Date.now() + 25_000);
    const elapsed = performance.now() - started;
    expect(result.files.map((f) => text(f.contents))).toEqual(values);
    // New connections served it (the SDK's retries leave together, so under load more than one
    // may open before the first has negotiated h2).
    expect(kv.stats().tunnels).toBeGreaterThanOrEqual(1);
    // Two silent 500 ms intervals, then the SDK's retry on a new tunnel; generous for a loaded machine.
    expect(elapsed).toBeLessThan(10_000);
  });
});
