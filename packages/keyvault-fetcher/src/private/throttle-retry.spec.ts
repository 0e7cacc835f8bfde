import { describe, expect, it } from 'vitest';
import { retryAfterMs } from './retry-after.js';
import { abortableSleep, withThrottleRetry } from './throttle-retry.js';

const throttled = (headers: Record<string, string> = {}) =>
  Object.assign(new Error('Throttled'), {
    statusCode: 429,
    response: { headers: { get: (name: string) => headers[name.toLowerCase()] } },
  });

describe('retryAfterMs', () => {
  it('reads retry-after-ms, x-ms-retry-after-ms, Retry-After seconds and HTTP dates', () => {
    expect(retryAfterMs(throttled({ 'retry-after-ms': '250' }), 0)).toBe(250);
    expect(retryAfterMs(throttled({ 'x-ms-retry-after-ms': '30' }), 0)).toBe(30);
    expect(retryAfterMs(throttled({ 'retry-after': '3' }), 0)).toBe(3000);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs(throttled({ 'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT' }), now)).toBe(5000);
    expect(retryAfterMs(throttled(), 0)).toBeUndefined();
    expect(retryAfterMs(new Error('x'), 0)).toBeUndefined();
  });
});

describe('withThrottleRetry', () => {
  const base = (sleeps: number[], random = 0.5, deadline = Number.POSITIVE_INFINITY) => ({
    signal: new AbortController().signal,
    deadline: () => deadline,
    now: () => 0,
    random: () => random,
    sleep: async (ms: number) => {
      sleeps.push(ms);
    },
  });

  it('jitters 1 s, 2 s, 4 s by ±25 % and then gives up with the 429', async () => {
    for (const [random, expected] of [
      [0, [750, 1500, 3000]],
      [0.5, [1000, 2000, 4000]],
      [0.999999, [1250, 2500, 5000]],
    ] as const) {
      const sleeps: number[] = [];
      let calls = 0;
      await expect(
        withThrottleRetry(
          async () => {
            calls++;
            throw throttled();
          },
          base(sleeps, random),
        ),
      ).rejects.toThrow('Throttled');
      expect(sleeps).toEqual(expected);
      expect(calls).toBe(4);
    }
  });

  it('waits what Retry-After says', async () => {
    const sleeps: number[] = [];
    let calls = 0;
    const value = await withThrottleRetry(async () => {
      if (++calls < 3) throw throttled({ 'retry-after': '7' });
      return 'ok';
    }, base(sleeps));
    expect(value).toBe('ok');
    expect(sleeps).toEqual([7000, 7000]);
  });

  it('does not retry other errors', async () => {
    const sleeps: number[] = [];
    await expect(
      withThrottleRetry(
        async () => Promise.reject(Object.assign(new Error('nf'), { statusCode: 404 })),
        base(sleeps),
      ),
    ).rejects.toThrow('nf');
    expect(sleeps).toEqual([]);
  });

  it('gives up when the wait would end after the deadline', async () => {
    const sleeps: number[] = [];
    await expect(
      withThrottleRetry(
        async () => Promise.reject(throttled({ 'retry-after': '10' })),
        base(sleeps, 0.5, 5000),
      ),
    ).rejects.toThrow('Throttled');
    expect(sleeps).toEqual([]);
  });
});

describe('abortableSleep', () => {
  it('rejects with the signal’s reason when aborted', async () => {
    const controller = new AbortController();
    const sleeping = abortableSleep(60_000, controller.signal);
    controller.abort(new Error('stop'));
    await expect(sleeping).rejects.toThrow('stop');
  });
});
