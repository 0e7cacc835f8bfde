import { describe, expect, it } from 'vitest';
import { DEFAULT_TOKEN_CACHE_MAX_AGE_MS, TokenAgeLimit } from './token-age-limit.js';

function clock(start = 1_000_000) {
  let now = start;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe('TokenAgeLimit', () => {
  it('defaults to 5 minutes', () => {
    expect(new TokenAgeLimit().maxAgeMs).toBe(DEFAULT_TOKEN_CACHE_MAX_AGE_MS);
    expect(DEFAULT_TOKEN_CACHE_MAX_AGE_MS).toBe(300_000);
  });

  it('allows serving until exactly max-age after issue, on the injected clock', () => {
    const time = clock();
    const limit = new TokenAgeLimit(60_000, time.now);
    const issuedAt = time.now();
    expect(limit.servableUntil(issuedAt)).toBe(issuedAt + 60_000);
    time.advance(59_999);
    expect(limit.allows(issuedAt)).toBe(true);
    time.advance(1);
    expect(limit.allows(issuedAt)).toBe(false);
  });

  it('clamps an SDK token so the cycler comes back by the limit', () => {
    const limit = new TokenAgeLimit(60_000, () => 0);
    const day = { token: 't', expiresOnTimestamp: 86_400_000, refreshAfterTimestamp: 80_000_000 };
    expect(limit.clamp(day, 1000)).toEqual({
      token: 't',
      expiresOnTimestamp: 61_000,
      refreshAfterTimestamp: 61_000,
    });
    // An earlier refresh time the credential asked for is kept; a token ending sooner is untouched.
    expect(limit.clamp({ ...day, refreshAfterTimestamp: 30_000 }, 1000).refreshAfterTimestamp).toBe(30_000);
    const short = { token: 't', expiresOnTimestamp: 50_000 };
    expect(limit.clamp(short, 1000)).toBe(short);
  });

  it('rejects a negative or non-finite max age', () => {
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => new TokenAgeLimit(bad)).toThrow(RangeError);
    }
  });
});
