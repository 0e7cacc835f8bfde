import type { KeyVaultEmulator } from '@keyvault-csi/keyvault-emulator';
import { parseObjects } from '@keyvault-csi/spc';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type ContentCacheOptions,
  type FetcherEvent,
  KeyVaultFetcher,
  type KeyVaultObject,
} from '../src/index.js';
import { fixtureBytes, fixtureText } from './fixtures.js';
import {
  mountFailure,
  object,
  startProxiedEmulator,
  stopProxiedEmulator,
  TestCredential,
  text,
} from './helpers.js';

const VAULT = 'kv-content-cache';
const MINUTE = 60_000;

let kv: KeyVaultEmulator;
let vaultUrl: string;

beforeAll(async () => {
  kv = await startProxiedEmulator();
  vaultUrl = kv.vaultUrl(VAULT);
  const v = kv.vault(VAULT);
  v.grant('reader', { secrets: ['get', 'list'], keys: ['get', 'list'], certificates: ['get', 'list'] });
  v.grant('other', { secrets: ['get', 'list'] });
  v.setSecret('plain', 'plain value');
  v.setSecret('history', { value: 'h1', created: 100 });
  v.setSecret('history', { value: 'h2', created: 200 });
  v.importCertificate('pfx-cert', { pfx: fixtureBytes('rsa-legacy.pfx') });
  v.setKey('rsa-key', { pem: fixtureText('rsa.pub.pem') });
  for (let i = 0; i < 10; i++) v.setSecret(`s${i}`, `value ${i}`);
});

afterAll(() => stopProxiedEmulator(kv));

beforeEach(() => {
  kv.resetStats();
  kv.clearFaults();
});

/** A fetcher on a clock the test moves, recording its events. */
function cachedFetcher(contentCache: ContentCacheOptions | undefined) {
  const clock = { now: Date.now() };
  const events: FetcherEvent[] = [];
  const fetcher = new KeyVaultFetcher({
    ...(contentCache ? { contentCache } : {}),
    now: () => clock.now,
    // Failures arrive at once: the SDK's 5xx retries and our 429 backoff take no real time here.
    clientOptions: { retryOptions: { retryDelayInMs: 1, maxRetryDelayInMs: 5 } },
    sleep: async () => undefined,
    onEvent: (e) => events.push(e),
  });
  const credentials: TestCredential[] = [];
  const fetch = (objects: KeyVaultObject[], identity = 'reader') => {
    const credential = new TestCredential(identity);
    credentials.push(credential);
    return fetcher.fetch({ vaultUrl, objects, credential, identityKey: identity });
  };
  const tokenCalls = () => credentials.reduce((sum, c) => sum + c.calls, 0);
  const results = (result: 'hit' | 'miss' | 'stale') =>
    events.filter((e) => e.type === 'content-cache' && e.result === result).length;
  return { fetcher, clock, events, fetch, tokenCalls, results };
}

const keyVaultRequests = () => kv.countRequests({ vault: VAULT });
const everyKind = () => [
  object({ objectName: 'plain' }),
  object({ objectName: 'pfx-cert', objectType: 'secret', objectAlias: 'pfx.pem' }),
  object({ objectName: 'pfx-cert', objectType: 'cert' }),
  object({ objectName: 'rsa-key', objectType: 'key' }),
  object({ objectName: 'history', objectVersionHistory: 2 }),
];
const view = (result: Awaited<ReturnType<KeyVaultFetcher['fetch']>>) => ({
  files: result.files.map((f) => [f.path, text(f.contents)]),
  versions: result.objectVersions,
});

describe('content cache', () => {
  it('within the TTL a mount of every object kind (history included) makes no Key Vault and no token request, with the same files', async () => {
    const { fetcher, clock, fetch, tokenCalls, results } = cachedFetcher({ ttlMs: 2 * MINUTE });
    try {
      const first = await fetch(everyKind());
      const requests = keyVaultRequests();
      const tokens = tokenCalls();
      expect(requests).toBeGreaterThan(0);
      clock.now += 2 * MINUTE - 1;
      const second = await fetch(everyKind());
      expect(view(second)).toEqual(view(first));
      expect(keyVaultRequests()).toBe(requests);
      expect(tokenCalls()).toBe(tokens);
      // plain, pfx secret, cert, key, history list + 2 versions
      expect(results('hit')).toBe(7);
    } finally {
      await fetcher.close();
    }
  });

  it('after the TTL it reads Key Vault again and serves the rotated value', async () => {
    const { fetcher, clock, fetch } = cachedFetcher({ ttlMs: MINUTE });
    try {
      kv.vault(VAULT).setSecret('rotates', 'before');
      expect(text((await fetch([object({ objectName: 'rotates' })])).files[0]?.contents)).toBe('before');
      kv.vault(VAULT).setSecret('rotates', 'after');
      clock.now += MINUTE - 1;
      expect(text((await fetch([object({ objectName: 'rotates' })])).files[0]?.contents)).toBe('before');
      clock.now += 1;
      expect(text((await fetch([object({ objectName: 'rotates' })])).files[0]?.contents)).toBe('after');
    } finally {
      await fetcher.close();
    }
  });

  it('a wildcard objectName: the listing and every match come from the cache within the TTL', async () => {
    const { fetcher, fetch } = cachedFetcher({ ttlMs: 2 * MINUTE });
    try {
      const wildcard = parseObjects('array:\n  - |\n    objectName: "s*"\n    objectType: secret\n');
      const first = await fetch(wildcard);
      expect(first.files.map((f) => f.path)).toEqual(Array.from({ length: 10 }, (_, i) => `s${i}`));
      const requests = keyVaultRequests();
      kv.vault(VAULT).setSecret('s-new', 'listed only after the TTL');
      const second = await fetch(wildcard);
      expect(view(second)).toEqual(view(first));
      expect(keyVaultRequests()).toBe(requests);
    } finally {
      await fetcher.close();
    }
  });

  it('is off by default: every fetch reads Key Vault, and no cache event is emitted', async () => {
    const { fetcher, fetch, events } = cachedFetcher(undefined);
    try {
      await fetch([object({ objectName: 'plain' })]);
      await fetch([object({ objectName: 'plain' })]);
      expect(kv.countRequests({ vault: VAULT, path: '/secrets/plain', probe: false })).toBe(2);
      expect(events.filter((e) => e.type.startsWith('content-cache'))).toEqual([]);
    } finally {
      await fetcher.close();
    }
  });

  it('never answers one identity from another identity’s entries', async () => {
    const { fetcher, fetch } = cachedFetcher({ ttlMs: 2 * MINUTE });
    try {
      await fetch([object({ objectName: 'rsa-key', objectType: 'key' })], 'reader');
      // 'other' may not read keys: it is refused by Key Vault, not served from 'reader's entry.
      const failure = await mountFailure(
        fetch([object({ objectName: 'rsa-key', objectType: 'key' })], 'other'),
      );
      expect(failure.failures[0]?.error.code).toBe('FORBIDDEN');
      const denied = await mountFailure(fetch([object({ objectName: 'plain' })], 'stranger'));
      expect(denied.failures[0]?.error.kind).toBe('forbidden');
    } finally {
      await fetcher.close();
    }
  });

  it('never caches an error: a 503 and a 404 are read again on the next mount', async () => {
    const { fetcher, fetch } = cachedFetcher({ ttlMs: 2 * MINUTE });
    try {
      kv.injectFault({ vault: VAULT, path: '/secrets/s1/', times: 10, action: { type: 'unavailable' } });
      const failed = await mountFailure(fetch([object({ objectName: 's1' })]));
      expect(failed.failures[0]?.error.code).toBe('SERVER_ERROR');
      kv.clearFaults();
      expect(text((await fetch([object({ objectName: 's1' })])).files[0]?.contents)).toBe('value 1');

      const missing = await mountFailure(fetch([object({ objectName: 'appears-later' })]));
      expect(missing.failures[0]?.error.code).toBe('NOT_FOUND');
      kv.vault(VAULT).setSecret('appears-later', 'here now');
      expect(text((await fetch([object({ objectName: 'appears-later' })])).files[0]?.contents)).toBe(
        'here now',
      );
    } finally {
      await fetcher.close();
    }
  });

  it('keeps within maxBytes: entries that do not fit are read from Key Vault again', async () => {
    const { fetcher, fetch, events } = cachedFetcher({ ttlMs: 2 * MINUTE, maxBytes: 1200 });
    try {
      const names = Array.from({ length: 10 }, (_, i) => object({ objectName: `s${i}` }));
      await fetch(names);
      const sizes = events.filter((e) => e.type === 'content-cache-size');
      for (const size of sizes) expect(size.bytes).toBeLessThanOrEqual(1200);
      const last = sizes.at(-1);
      expect(last?.entries).toBeGreaterThan(0);
      expect(last?.entries).toBeLessThan(10);
      kv.resetStats();
      await fetch(names);
      const reads = kv.countRequests({ vault: VAULT, probe: false });
      expect(reads).toBeGreaterThan(0);
      expect(reads).toBeLessThan(10);
    } finally {
      await fetcher.close();
    }
  });
});

describe('stale on error', () => {
  const staleCache = { ttlMs: 0, staleOnErrorMs: 10 * MINUTE };

  it('serves the last answer when Key Vault fails with 503, a reset or 429, warning once per object', async () => {
    const { fetcher, clock, fetch, events, results } = cachedFetcher(staleCache);
    try {
      await fetch([object({ objectName: 's2' }), object({ objectName: 's3' })]);
      clock.now += 5 * MINUTE;
      kv.injectFault({ vault: VAULT, path: '/secrets/s2/', action: { type: 'unavailable' } });
      kv.injectFault({ vault: VAULT, path: '/secrets/s3/', action: { type: 'reset' } });
      // First alone: over HTTP/2 a reset takes down every request multiplexed on the connection.
      expect(text((await fetch([object({ objectName: 's2' })])).files[0]?.contents)).toBe('value 2');
      expect(text((await fetch([object({ objectName: 's3' })])).files[0]?.contents)).toBe('value 3');
      for (let i = 0; i < 2; i++) {
        const result = await fetch([object({ objectName: 's2' }), object({ objectName: 's3' })]);
        expect(result.files.map((f) => text(f.contents))).toEqual(['value 2', 'value 3']);
      }
      expect(results('stale')).toBe(6);
      const warnings = events.filter((e) => e.type === 'stale-served');
      expect(warnings.map((w) => [w.objectName, w.failure.split(':')[0]]).sort()).toEqual([
        ['s2', 'SERVER_ERROR'],
        ['s3', 'NETWORK_ERROR'],
      ]);
      for (const w of warnings) {
        expect(w).toMatchObject({ objectType: 'secret', vaultHost: `${VAULT}.vault.azure.net` });
        expect(w.ageMs).toBeGreaterThanOrEqual(5 * MINUTE);
      }
      for (const w of warnings) expect(JSON.stringify(w)).not.toMatch(/value \d/);

      // A successful read resets the warning; a later outage warns again.
      kv.clearFaults();
      await fetch([object({ objectName: 's2' })]);
      kv.injectFault({ vault: VAULT, path: '/secrets/s2/', action: { type: 'throttle' } });
      const throttled = await fetch([object({ objectName: 's2' })]);
      expect(text(throttled.files[0]?.contents)).toBe('value 2');
      expect(events.filter((e) => e.type === 'stale-served')).toHaveLength(3);
    } finally {
      await fetcher.close();
    }
  }, 60_000);

  it('never past the window, never on 403 or 404, never across identities', async () => {
    const { fetcher, clock, fetch, results } = cachedFetcher(staleCache);
    try {
      const v = kv.vault(VAULT);
      v.grant('revoked-later', { secrets: ['get'] });
      v.setSecret('deleted-later', 'soon gone');
      await fetch([object({ objectName: 's4' }), object({ objectName: 'deleted-later' })]);
      await fetch([object({ objectName: 's5' })], 'revoked-later');

      // Past the window: the 503 is the answer.
      clock.now += 10 * MINUTE;
      kv.injectFault({ vault: VAULT, path: '/secrets/s4/', action: { type: 'unavailable' } });
      const late = await mountFailure(fetch([object({ objectName: 's4' })]));
      expect(late.failures[0]?.error.code).toBe('SERVER_ERROR');

      const t0 = clock.now;
      await fetch([object({ objectName: 'deleted-later' })]);
      await fetch([object({ objectName: 's5' })], 'revoked-later');
      clock.now = t0 + MINUTE;
      v.deleteObject('secrets', 'deleted-later');
      const deleted = await mountFailure(fetch([object({ objectName: 'deleted-later' })]));
      expect(deleted.failures[0]?.error.code).toBe('NOT_FOUND');
      v.revoke('revoked-later');
      const revoked = await mountFailure(fetch([object({ objectName: 's5' })], 'revoked-later'));
      expect(revoked.failures[0]?.error.kind).toBe('forbidden');

      // 'other' fails with 503 on s4 while 'reader' holds a fresh entry for it: not served.
      clock.now = t0 + 2 * MINUTE;
      kv.clearFaults();
      await fetch([object({ objectName: 's4' })], 'reader');
      kv.injectFault({ vault: VAULT, path: '/secrets/s4/', action: { type: 'unavailable' } });
      const otherIdentity = await mountFailure(fetch([object({ objectName: 's4' })], 'other'));
      expect(otherIdentity.failures[0]?.error.code).toBe('SERVER_ERROR');
      expect(results('stale')).toBe(0);
    } finally {
      await fetcher.close();
    }
  });
});
