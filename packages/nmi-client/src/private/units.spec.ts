import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.js';
import { describeBody } from './body-text.js';
import { resourceFromScopes } from './resource.js';
import { TokenCache } from './token-cache.js';
import { parseTokenResponse } from './token-response.js';

describe('resourceFromScopes', () => {
  it('maps SDK scopes to the NMI resource without a trailing slash', () => {
    expect(resourceFromScopes('https://vault.azure.net/.default')).toBe('https://vault.azure.net');
    expect(resourceFromScopes(['https://vault.azure.cn/.default'])).toBe('https://vault.azure.cn');
    expect(resourceFromScopes('https://vault.azure.net/')).toBe('https://vault.azure.net');
    expect(resourceFromScopes('https://vault.azure.net')).toBe('https://vault.azure.net');
  });

  it('refuses no scope, an empty one or several', () => {
    expect(resourceFromScopes([])).toBeUndefined();
    expect(resourceFromScopes('/.default')).toBeUndefined();
    expect(resourceFromScopes(['a/.default', 'b/.default'])).toBeUndefined();
  });
});

describe('parseTokenResponse', () => {
  const now = 1_764_400_000_000;
  const body = (token: Record<string, unknown>, clientid: unknown = 'cid') =>
    JSON.stringify({ token: { access_token: 'tok', ...token }, clientid });

  it('reads expires_on as a string or a number, in seconds, into milliseconds', () => {
    expect(parseTokenResponse(body({ expires_on: '1764500000' }), now)).toEqual({
      ok: true,
      token: { accessToken: 'tok', clientId: 'cid', expiresOnMs: 1_764_500_000_000 },
    });
    expect(parseTokenResponse(body({ expires_on: 1764500000 }), now)).toMatchObject({
      token: { expiresOnMs: 1_764_500_000_000 },
    });
  });

  it('falls back to now + expires_in when expires_on is unusable', () => {
    expect(parseTokenResponse(body({ expires_on: '', expires_in: '3599' }), now)).toMatchObject({
      token: { expiresOnMs: now + 3_599_000 },
    });
    expect(parseTokenResponse(body({ expires_on: 'soon', expires_in: 60 }), now)).toMatchObject({
      token: { expiresOnMs: now + 60_000 },
    });
    expect(parseTokenResponse(body({}), now)).toEqual({ ok: false, problem: 'no-expiry' });
  });

  it('rejects non-JSON and a missing token or client id', () => {
    expect(parseTokenResponse('<html>', now)).toEqual({ ok: false, problem: 'not-json' });
    expect(parseTokenResponse('[]', now)).toEqual({ ok: false, problem: 'missing-token-or-clientid' });
    expect(parseTokenResponse(body({ access_token: '', expires_on: '1' }), now)).toEqual({
      ok: false,
      problem: 'missing-token-or-clientid',
    });
    expect(parseTokenResponse(body({ expires_on: '1' }, 42), now)).toEqual({
      ok: false,
      problem: 'missing-token-or-clientid',
    });
  });
});

describe('backoffDelay', () => {
  const policy = { initialDelayMs: 500, maxDelayMs: 5000, jitter: 0.2 };

  it('doubles from 0.5 s and caps at 5 s', () => {
    expect([1, 2, 3, 4, 5, 9].map((a) => backoffDelay(a, policy, () => 0.5))).toEqual([
      500, 1000, 2000, 4000, 5000, 5000,
    ]);
  });

  it('spreads each delay by ±20 % and never above the cap', () => {
    expect(backoffDelay(1, policy, () => 0)).toBe(400);
    expect(backoffDelay(1, policy, () => 0.999_999)).toBe(600);
    expect(backoffDelay(4, policy, () => 0.999_999)).toBe(4800);
    expect(backoffDelay(5, policy, () => 0.999_999)).toBe(5000);
    expect(backoffDelay(5, policy, () => 0)).toBe(4000);
  });
});

describe('TokenCache', () => {
  const token = (name: string) => ({ token: name, expiresOnTimestamp: 0 });

  it('serves an entry until validUntil only', () => {
    const cache = new TokenCache(10);
    cache.set('k', token('a'), 1000, 0);
    expect(cache.get('k', 999)?.token).toBe('a');
    expect(cache.get('k', 1000)).toBeUndefined();
  });

  it('evicts expired entries first, then the least recently used', () => {
    const cache = new TokenCache(3);
    cache.set('old', token('old'), 100, 0);
    cache.set('a', token('a'), 10_000, 0);
    cache.set('b', token('b'), 10_000, 0);
    cache.set('c', token('c'), 10_000, 200);
    expect(cache.get('old', 50)).toBeUndefined();
    expect([cache.get('a', 300), cache.get('b', 300), cache.get('c', 300)].map((t) => t?.token)).toEqual([
      'a',
      'b',
      'c',
    ]);
    cache.get('a', 300);
    cache.set('d', token('d'), 10_000, 300);
    expect(cache.size).toBe(3);
    expect(cache.get('b', 300)).toBeUndefined();
    expect(cache.get('a', 300)?.token).toBe('a');
  });

  it('does not store a token that is already inside the margin', () => {
    const cache = new TokenCache(3);
    cache.set('k', token('a'), 100, 100);
    expect(cache.size).toBe(0);
  });
});

describe('describeBody', () => {
  it('trims NMI newline and bounds long bodies', () => {
    expect(describeBody('identity not found\n')).toBe('identity not found');
    const long = describeBody('x'.repeat(2000));
    expect(long).toBe(`${'x'.repeat(500)}… (1500 more characters)`);
  });
});
