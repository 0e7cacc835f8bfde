import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.js';

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
