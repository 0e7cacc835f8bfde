import { describe, expect, it } from 'vitest';
import { ConcurrencyLimiter } from './concurrency-limiter.js';

describe('ConcurrencyLimiter', () => {
  it('runs at most `limit` tasks at once, in FIFO order', async () => {
    const limiter = new ConcurrencyLimiter(2);
    const signal = new AbortController().signal;
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    const releases: Array<() => void> = [];
    const tasks = Array.from({ length: 5 }, (_, i) =>
      limiter.run(signal, async () => {
        running++;
        peak = Math.max(peak, running);
        order.push(i);
        await new Promise<void>((resolve) => releases.push(resolve));
        running--;
      }),
    );
    while (order.length < 5) {
      await new Promise((r) => setImmediate(r));
      expect(running).toBeLessThanOrEqual(2);
      releases.shift()?.();
    }
    for (const release of releases) release();
    await Promise.all(tasks);
    expect(peak).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4]);
    expect(limiter.idle).toBe(true);
  });

  it('drops a queued waiter whose signal aborts, without taking a slot', async () => {
    const limiter = new ConcurrencyLimiter(1);
    let release!: () => void;
    const first = limiter.run(new AbortController().signal, () => new Promise<void>((r) => (release = r)));
    const controller = new AbortController();
    const queued = limiter.run(controller.signal, async () => 'ran');
    controller.abort(new Error('gone'));
    await expect(queued).rejects.toThrow('gone');
    release();
    await first;
    expect(limiter.active).toBe(0);
    expect(await limiter.run(new AbortController().signal, async () => 'next')).toBe('next');
  });

  it('refuses a limit below 1', () => {
    expect(() => new ConcurrencyLimiter(0)).toThrow(RangeError);
  });
});
