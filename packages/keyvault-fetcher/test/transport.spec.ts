import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeyVaultEmulator } from '@keyvault-csi/keyvault-emulator';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KeyVaultFetcher, type KeyVaultFetcherOptions, MountFetchError } from '../src/index.js';
import {
  mountFailure,
  object,
  startProxiedEmulator,
  stopProxiedEmulator,
  TestCredential,
  text,
  tlsDir,
} from './helpers.js';

/**
 * The fetcher's default transport (one pooled undici dispatcher per fetcher) against the emulator
 * reached through its CONNECT proxy (`HTTPS_PROXY`), the production code path.
 */
const VAULT = 'kv-transport';
const reader = new TestCredential('transport-reader');
const fifty = Array.from({ length: 50 }, (_, i) => object({ objectName: `s${i}` }));

let kv: KeyVaultEmulator;
let vaultUrl: string;
const fetchers: KeyVaultFetcher[] = [];

function newFetcher(options: KeyVaultFetcherOptions = {}): KeyVaultFetcher {
  const fetcher = new KeyVaultFetcher({
    ...options,
    clientOptions: { retryOptions: { retryDelayInMs: 1, maxRetryDelayInMs: 5 }, ...options.clientOptions },
  });
  fetchers.push(fetcher);
  return fetcher;
}

const mount = (fetcher: KeyVaultFetcher, objects = fifty, extra: { abortSignal?: AbortSignal } = {}) =>
  fetcher.fetch({ vaultUrl, credential: reader, identityKey: 'transport-reader', objects, ...extra });

beforeAll(async () => {
  kv = await startProxiedEmulator();
  vaultUrl = kv.vaultUrl(VAULT);
  const v = kv.vault(VAULT);
  v.grant('transport-reader', { secrets: ['get', 'list'], keys: ['get'] });
  for (let i = 0; i < 50; i++) v.setSecret(`s${i}`, `value ${i}`);
});

afterAll(() => stopProxiedEmulator(kv));

beforeEach(() => {
  kv.clearFaults();
  kv.resetStats();
});

afterEach(async () => {
  await Promise.all(fetchers.splice(0).map((f) => f.close()));
  delete process.env.NO_PROXY;
  delete process.env.no_proxy;
});

describe('connection reuse through HTTPS_PROXY', () => {
  it('later mounts reuse the tunnels of the first: 250 GETs through at most maxConcurrency tunnels', async () => {
    const fetcher = newFetcher({ maxConcurrency: 30 });
    const first = await mount(fetcher);
    expect(first.files.map((f) => text(f.contents))).toEqual(fifty.map((_, i) => `value ${i}`));
    // Back to back, a request can be dispatched before a finished one has freed its connection:
    // the pool may then open more, up to its bound.
    for (let i = 0; i < 3; i++) await mount(fetcher);
    const tunnels = kv.stats().tunnels;
    expect(tunnels).toBeGreaterThan(0);
    expect(tunnels).toBeLessThanOrEqual(30);
    // Once idle, a mount opens none.
    await new Promise((resolve) => setTimeout(resolve, 20));
    await mount(fetcher);
    expect(kv.countRequests({ probe: false, method: 'GET' })).toBe(250);
    expect(kv.stats().tunnels).toBe(tunnels);
    expect(kv.requests.every((r) => r.via === 'proxy')).toBe(true);
  });

  it("transport 'sdk' (the SDK's own client) opens a tunnel per request", async () => {
    const fetcher = newFetcher({ transport: 'sdk' });
    await mount(fetcher, fifty.slice(0, 10));
    await mount(fetcher, fifty.slice(0, 10));
    // 20 GETs + 1 challenge probe, each through its own CONNECT.
    expect(kv.stats().tunnels).toBe(kv.stats().total);
    expect(kv.stats().total).toBe(21);
  });

  it('all SDK clients of a fetcher (secrets, keys, certificates) share one pool', async () => {
    const fetcher = newFetcher();
    await mount(fetcher, fifty.slice(0, 5));
    const tunnels = kv.stats().tunnels;
    // A key lookup goes through another SDK client (KeyClient); its challenge and GET reuse a tunnel.
    const failure = await mountFailure(mount(fetcher, [object({ objectName: 'absent', objectType: 'key' })]));
    expect(failure.failures[0]?.error.statusCode).toBe(404);
    expect(kv.stats().tunnels).toBe(tunnels);
  });
});

describe('NO_PROXY', () => {
  /** The emulator also tunnels to its own loopback port, so the via field tells proxied from direct. */
  const loopbackMount = (fetcher: KeyVaultFetcher) =>
    fetcher.fetch({
      vaultUrl: kv.url,
      credential: reader,
      identityKey: 'transport-reader',
      objects: [object({ objectName: 'default-secret' })],
    });

  beforeAll(() => {
    kv.setDefaultVault(VAULT);
    kv.vault(VAULT).setSecret('default-secret', 'loopback value');
  });

  const direct = { clientOptions: { disableChallengeResourceVerification: true } };

  it('without NO_PROXY the loopback URL goes through the proxy too', async () => {
    const result = await loopbackMount(newFetcher(direct));
    expect(text(result.files[0]?.contents)).toBe('loopback value');
    expect(kv.requests.map((r) => r.via)).toEqual(['proxy', 'proxy']);
  });

  it.each([
    ['NO_PROXY', '127.0.0.1,localhost,.internal'],
    ['no_proxy', 'localhost, 127.0.0.1'],
  ])('%s=%s bypasses the proxy for 127.0.0.1', async (name, value) => {
    process.env[name] = value;
    const result = await loopbackMount(newFetcher(direct));
    expect(text(result.files[0]?.contents)).toBe('loopback value');
    expect(kv.stats().tunnels).toBe(0);
    expect(kv.requests.map((r) => r.via)).toEqual(['direct', 'direct']);
  });

  it('an entry for another domain (.internal) leaves the vault host proxied', async () => {
    process.env.NO_PROXY = '127.0.0.1,localhost,.internal';
    await mount(newFetcher(), fifty.slice(0, 2));
    expect(kv.requests.every((r) => r.via === 'proxy')).toBe(true);
  });
});

describe('proxy selection beyond HTTPS_PROXY', () => {
  afterEach(() => {
    process.env.HTTPS_PROXY = kv.proxyUrl;
    delete process.env.ALL_PROXY;
  });

  it('ALL_PROXY is used when HTTPS_PROXY is not set (as the SDK does)', async () => {
    delete process.env.HTTPS_PROXY;
    process.env.ALL_PROXY = kv.proxyUrl;
    await mount(newFetcher(), fifty.slice(0, 1));
    expect(kv.stats().tunnels).toBeGreaterThan(0);
    expect(kv.requests.every((r) => r.via === 'proxy')).toBe(true);
  });

  it('clientOptions.proxyOptions is the proxy, without any proxy variable', async () => {
    delete process.env.HTTPS_PROXY;
    const proxyOptions = { host: 'http://127.0.0.1', port: kv.port };
    await mount(newFetcher({ clientOptions: { proxyOptions } }), fifty.slice(0, 1));
    expect(kv.stats().tunnels).toBeGreaterThan(0);
    expect(kv.requests.every((r) => r.via === 'proxy')).toBe(true);
  });
});

describe('failures keep their meaning', () => {
  it('abort: the mount ends ABORTED at once, not when the slow response arrives', async () => {
    kv.injectFault({ path: '/secrets/s0/', action: { type: 'delay', ms: 5_000 } });
    const fetcher = newFetcher();
    await mount(fetcher, [object({ objectName: 's1' })]); // challenge done, tunnel open
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 100);
    const failure = await mountFailure(
      mount(fetcher, [object({ objectName: 's0' })], { abortSignal: controller.signal }),
    );
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(failure.failures[0]?.error).toMatchObject({ code: 'ABORTED', kind: 'deadline' });
    expect(failure.message).toContain('aborted during Key Vault get of secrets/s0');
  });

  it('a connection reset is retried by the SDK (ECONNRESET) and the mount succeeds', async () => {
    kv.injectFault({ path: '/secrets/s0/', attempts: [1], action: { type: 'reset' } });
    const result = await mount(newFetcher(), [object({ objectName: 's0' })]);
    expect(text(result.files[0]?.contents)).toBe('value 0');
    expect(kv.countRequests({ path: '/secrets/s0/', probe: false })).toBe(2);
  });

  it('a connection reset on every attempt is a transient NETWORK_ERROR naming ECONNRESET', async () => {
    kv.injectFault({ path: '/secrets/s0/', action: { type: 'reset' } });
    const fetcher = newFetcher({ clientOptions: { retryOptions: { maxRetries: 1, retryDelayInMs: 1 } } });
    const failure = await mountFailure(mount(fetcher, [object({ objectName: 's0' })]));
    const error = failure.failures[0]?.error;
    expect(error).toMatchObject({ code: 'NETWORK_ERROR', kind: 'transient' });
    expect(error?.message).toMatch(/^ECONNRESET during Key Vault get of secrets\/s0 on kv-transport\.vault/);
    expect(kv.countRequests({ path: '/secrets/s0/', probe: false })).toBe(2);
  });

  it('a body cut off mid-response is a transient NETWORK_ERROR', async () => {
    kv.injectFault({ path: '/secrets/s0/', action: { type: 'truncate' } });
    const failure = await mountFailure(mount(newFetcher(), [object({ objectName: 's0' })]));
    const error = failure.failures[0]?.error;
    expect(error).toMatchObject({ code: 'NETWORK_ERROR', kind: 'transient' });
    expect(error?.message).toMatch(/^connection closed mid-response during Key Vault get of secrets\/s0/);
    expect(error?.message).not.toContain('value 0');
  });

  it('the pool recovers after a reset: the next mount succeeds', async () => {
    const fetcher = newFetcher({ clientOptions: { retryOptions: { maxRetries: 0 } } });
    await mount(fetcher, fifty.slice(0, 3));
    kv.injectFault({ path: '/secrets/s0/', times: 1, action: { type: 'reset' } });
    await mountFailure(mount(fetcher, [object({ objectName: 's0' })]));
    const result = await mount(fetcher, fifty.slice(0, 3));
    expect(result.files).toHaveLength(3);
  });

  it('429 with Retry-After is honoured by the SDK (two requests, one success)', async () => {
    kv.injectFault({ path: '/secrets/s0/', attempts: [1], action: { type: 'throttle', retryAfterMs: 20 } });
    const result = await mount(newFetcher(), [object({ objectName: 's0' })]);
    expect(text(result.files[0]?.contents)).toBe('value 0');
    const statuses = kv.requests.filter((r) => !r.probe && r.path === '/secrets/s0/').map((r) => r.status);
    expect(statuses).toEqual([429, 200]);
  });

  it.each(['undici', 'sdk'] as const)(
    'transport %s: a proxy refusing the CONNECT surfaces as its status',
    async (transport) => {
      const fetcher = newFetcher({ transport, clientOptions: { retryOptions: { maxRetries: 0 } } });
      const failure = await fetcher
        .fetch({
          vaultUrl: kv.vaultUrl('kv-unknown-to-the-proxy'),
          credential: reader,
          identityKey: 'transport-reader',
          objects: [object({ objectName: 's0' })],
        })
        .then(
          () => undefined,
          (e: unknown) => e as Error,
        );
      expect(failure?.message).toContain(
        '502 from kv-unknown-to-the-proxy.vault.azure.net (no Key Vault error body)',
      );
      expect(failure).toBeInstanceOf(MountFetchError);
      expect((failure as MountFetchError).failures[0]?.error).toMatchObject({
        statusCode: 502,
        kind: 'transient',
      });
    },
  );
});

describe('TLS trust', () => {
  it('trusts the test CA through NODE_EXTRA_CA_CERTS (Node default store), and nothing else', async () => {
    const trusted = readFileSync(process.env.NODE_EXTRA_CA_CERTS ?? '', 'utf8');
    expect(trusted).toBe(readFileSync(join(tlsDir(), 'ca.pem'), 'utf8'));
    // Reached through HTTPS_PROXY with challenge verification on: the leaf is verified against it.
    const result = await mount(newFetcher(), [object({ objectName: 's0' })]);
    expect(text(result.files[0]?.contents)).toBe('value 0');

    // An emulator whose CA is not in NODE_EXTRA_CA_CERTS is refused.
    const otherDir = mkdtempSync(join(tmpdir(), 'kvf-untrusted-ca-'));
    const untrusted = await KeyVaultEmulator.start({ tlsDir: otherDir });
    try {
      untrusted
        .vault('kv-untrusted')
        .grant('transport-reader', { secrets: ['get'] })
        .setSecret('s', 'x');
      process.env.NO_PROXY = '127.0.0.1';
      const fetcher = newFetcher({
        clientOptions: { disableChallengeResourceVerification: true, retryOptions: { maxRetries: 0 } },
      });
      const failure = await mountFailure(
        fetcher.fetch({
          vaultUrl: untrusted.url,
          credential: reader,
          identityKey: 'transport-reader',
          objects: [object({ objectName: 's' })],
        }),
      );
      const cause = failure.failures[0]?.error.cause as { code?: string } | undefined;
      expect(cause?.code).toMatch(/^(SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE)$/);
      expect(untrusted.stats().authorized).toBe(0);
    } finally {
      await untrusted.stop();
      rmSync(otherDir, { recursive: true, force: true });
    }
  });
});

describe('options and lifecycle', () => {
  it("refuses clientOptions that only the SDK's client would apply", () => {
    expect(() => new KeyVaultFetcher({ clientOptions: { tlsOptions: { ca: 'x' } } })).toThrow(
      "clientOptions.tlsOptions is not supported with transport 'undici'",
    );
    expect(() => new KeyVaultFetcher({ transport: 'sdk', clientOptions: { tlsOptions: {} } })).not.toThrow();
    expect(
      () => new KeyVaultFetcher({ transport: 'fetch' as unknown as KeyVaultFetcherOptions['transport'] }),
    ).toThrow(`transport must be 'undici' or 'sdk', got "fetch"`);
  });

  it('close() ends the pool; later fetches reject; close is idempotent', async () => {
    const fetcher = new KeyVaultFetcher();
    await mount(fetcher, fifty.slice(0, 2));
    await fetcher.close();
    await fetcher.close();
    await expect(mount(fetcher, fifty.slice(0, 2))).rejects.toThrow('KeyVaultFetcher is closed');
  });
});
