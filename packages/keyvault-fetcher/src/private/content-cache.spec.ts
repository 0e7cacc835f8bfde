import { describe, expect, it } from 'vitest';
import { ContentCache, type ContentCacheSettings } from './content-cache.js';

function cache(settings: Partial<ContentCacheSettings> = {}) {
  const clock = { now: 1_000_000 };
  const c = new ContentCache(
    { ttlMs: 60_000, staleOnErrorMs: 0, maxBytes: 1 << 20, ...settings },
    () => clock.now,
  );
  return { c, clock };
}

describe('ContentCache', () => {
  it('serves an entry until its TTL has passed, counted from when it was fetched', () => {
    const { c, clock } = cache({ ttlMs: 1000 });
    c.store('k', 'v', 10);
    clock.now += 999;
    expect(c.fresh('k')).toBe('v');
    clock.now += 1;
    expect(c.fresh('k')).toBeUndefined();
    // Past max(ttl, stale window) the entry is gone, bytes included.
    expect(c.entries).toBe(0);
    expect(c.bytes).toBe(0);
  });

  it('is off with a zero TTL and no stale window: nothing is stored', () => {
    const { c } = cache({ ttlMs: 0 });
    expect(c.enabled).toBe(false);
    c.store('k', 'v', 10);
    expect(c.fresh('k')).toBeUndefined();
    expect(c.entries).toBe(0);
  });

  it('keeps entries for the stale window without serving them as hits when the TTL is 0', () => {
    const { c, clock } = cache({ ttlMs: 0, staleOnErrorMs: 5000 });
    expect(c.enabled).toBe(true);
    expect(c.servesHits).toBe(false);
    c.store('k', 'v', 10);
    expect(c.fresh('k')).toBeUndefined();
    clock.now += 4999;
    expect(c.stale('k')).toEqual({ value: 'v', ageMs: 4999, firstStaleServe: true });
    expect(c.stale('k')?.firstStaleServe).toBe(false);
    clock.now += 1;
    expect(c.stale('k')).toBeUndefined();
  });

  it('the TTL and the stale window are independent: a short TTL with a long window', () => {
    const { c, clock } = cache({ ttlMs: 1000, staleOnErrorMs: 60_000 });
    c.store('k', 'v', 10);
    clock.now += 30_000;
    expect(c.fresh('k')).toBeUndefined();
    expect(c.stale('k')?.value).toBe('v');
  });

  it('a new fetch of the key resets its stale warning', () => {
    const { c } = cache({ staleOnErrorMs: 60_000 });
    c.store('k', 'v1', 10);
    expect(c.stale('k')?.firstStaleServe).toBe(true);
    c.store('k', 'v2', 10);
    expect(c.stale('k')).toMatchObject({ value: 'v2', firstStaleServe: true });
  });

  it('stays within its byte budget, the least recently used out first', () => {
    const overhead = (() => {
      const { c } = cache();
      c.store('a', 'x', 0);
      return c.bytes;
    })();
    const { c } = cache({ maxBytes: 3 * (overhead + 100) });
    c.store('a', 'A', 100);
    c.store('b', 'B', 100);
    c.store('c', 'C', 100);
    expect(c.fresh('a')).toBe('A'); // a is now the most recently used
    c.store('d', 'D', 100);
    expect(c.fresh('b')).toBeUndefined();
    expect([c.fresh('a'), c.fresh('c'), c.fresh('d')]).toEqual(['A', 'C', 'D']);
    expect(c.bytes).toBeLessThanOrEqual(3 * (overhead + 100));
    expect(c.entries).toBe(3);
  });

  it('does not keep an entry larger than the whole budget, and replacing a key does not double-count', () => {
    const { c } = cache({ maxBytes: 4096 });
    c.store('big', 'B', 5000);
    expect(c.entries).toBe(0);
    c.store('k', 'v1', 1000);
    const one = c.bytes;
    c.store('k', 'v2', 1000);
    expect(c.bytes).toBe(one);
    expect(c.fresh('k')).toBe('v2');
  });

  it('drops expired entries at the old end when storing', () => {
    const { c, clock } = cache({ ttlMs: 1000 });
    for (let i = 0; i < 10; i++) c.store(`old${i}`, i, 100);
    clock.now += 1000;
    c.store('new', 'n', 100);
    expect(c.entries).toBe(1);
  });

  it('refuses negative or non-finite settings', () => {
    expect(() => cache({ ttlMs: -1 })).toThrow(/contentCache.ttlMs/);
    expect(() => cache({ maxBytes: Number.NaN })).toThrow(/contentCache.maxBytes/);
  });
});
