import { describe, expect, it } from 'vitest';
import { TokenCache } from './token-cache.js';

describe('TokenCache', () => {
  const token = (name: string) => ({
    token: { token: name, expiresOnTimestamp: 0 },
    identity: { clientId: 'cid', tenantId: undefined },
  });

  it('serves an entry until validUntil only', () => {
    const cache = new TokenCache(10);
    cache.set('k', token('a'), 1000, 0);
    expect(cache.get('k', 999)?.token.token).toBe('a');
    expect(cache.get('k', 1000)).toBeUndefined();
  });

  it('evicts expired entries first, then the least recently used', () => {
    const cache = new TokenCache(3);
    cache.set('old', token('old'), 100, 0);
    cache.set('a', token('a'), 10_000, 0);
    cache.set('b', token('b'), 10_000, 0);
    cache.set('c', token('c'), 10_000, 200);
    expect(cache.get('old', 50)).toBeUndefined();
    expect(
      [cache.get('a', 300), cache.get('b', 300), cache.get('c', 300)].map((t) => t?.token.token),
    ).toEqual(['a', 'b', 'c']);
    cache.get('a', 300);
    cache.set('d', token('d'), 10_000, 300);
    expect(cache.size).toBe(3);
    expect(cache.get('b', 300)).toBeUndefined();
    expect(cache.get('a', 300)?.token.token).toBe('a');
  });

  it('does not store a token that is already inside the margin', () => {
    const cache = new TokenCache(3);
    cache.set('k', token('a'), 100, 100);
    expect(cache.size).toBe(0);
  });
});
