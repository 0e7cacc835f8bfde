import { describe, expect, it } from 'vitest';
import { MountSignal } from './mount-signal.js';

describe('MountSignal', () => {
  it('aborts at the deadline and says so', async () => {
    const mount = new MountSignal({ deadline: Date.now() + 20, now: Date.now });
    expect(mount.signal.aborted).toBe(false);
    await new Promise((resolve) => mount.signal.addEventListener('abort', resolve, { once: true }));
    expect(mount.deadlineExceeded).toBe(true);
    mount.dispose();
  });

  it('aborts at once for a deadline already past', () => {
    const mount = new MountSignal({ deadline: 1000, now: () => 2000 });
    expect(mount.signal.aborted).toBe(true);
    expect(mount.deadlineExceeded).toBe(true);
    expect(mount.budgetMs).toBe(-1000);
  });

  it('follows the caller’s abort without calling it a deadline', () => {
    const caller = new AbortController();
    const mount = new MountSignal({
      abortSignal: caller.signal,
      deadline: Date.now() + 60_000,
      now: Date.now,
    });
    caller.abort(new Error('pod deleted'));
    expect(mount.signal.aborted).toBe(true);
    expect(mount.signal.reason).toEqual(new Error('pod deleted'));
    expect(mount.deadlineExceeded).toBe(false);
    mount.dispose();
  });

  it('never aborts without a deadline or a signal', () => {
    const mount = new MountSignal({ now: Date.now });
    expect(mount.deadline).toBe(Number.POSITIVE_INFINITY);
    expect(mount.signal.aborted).toBe(false);
    mount.dispose();
  });
});
