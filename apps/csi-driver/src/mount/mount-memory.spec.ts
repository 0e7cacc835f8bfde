import { describe, expect, it } from 'vitest';
import { InFlightBytes, MountMemoryError } from './mount-memory.js';

const MiB = 1024 * 1024;
const never = new AbortController().signal;

async function refusal(promise: void | Promise<void>): Promise<MountMemoryError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof MountMemoryError) return error;
    throw error;
  }
  throw new Error('expected a MountMemoryError');
}

describe('per-mount byte budget', () => {
  it('refuses the charge that goes over it, naming the budget, the flag and the size so far', async () => {
    const mount = new InFlightBytes({ limit: 16 * MiB }).forMount(4 * MiB);
    for (let i = 0; i < 163; i++) expect(mount.charge(25 * 1024, never)).toBeUndefined();
    let thrown: unknown;
    try {
      mount.charge(25 * 1024, never);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(MountMemoryError);
    expect((thrown as MountMemoryError).code).toBe('MOUNT_BYTES_EXCEEDED');
    expect((thrown as MountMemoryError).message).toBe(
      "the mount's files exceed the per-mount budget of 4194304 bytes (4 MiB, --max-mount-bytes): 4198400 bytes fetched so far",
    );
  });
});

describe('process-wide in-flight bytes', () => {
  it('queues a charge that does not fit until an earlier mount releases, in arrival order', async () => {
    const pool = new InFlightBytes({ limit: 10 });
    const a = pool.forMount(10);
    const b = pool.forMount(10);
    const c = pool.forMount(10);
    expect(a.charge(8, never)).toBeUndefined();
    const order: string[] = [];
    const bWaits = Promise.resolve(b.charge(5, never)).then(() => order.push('b'));
    const cWaits = Promise.resolve(c.charge(1, never)).then(() => order.push('c'));
    expect(pool.waiting).toBe(2);
    a.release();
    await Promise.all([bWaits, cWaits]);
    expect(order).toEqual(['b', 'c']);
    expect(pool.used).toBe(6);
    b.release();
    c.release();
    expect(pool.used).toBe(0);
  });

  it('refuses (RESOURCE_EXHAUSTED kind) when the wait outlasts maxWaitMs or the mount is stopped', async () => {
    const pool = new InFlightBytes({ limit: 10, maxWaitMs: 50 });
    const holder = pool.forMount(10);
    holder.charge(10, never);
    const late = await refusal(pool.forMount(10).charge(1, never));
    expect(late.code).toBe('IN_FLIGHT_BYTES_EXHAUSTED');
    expect(late.message).toMatch(
      /^the provider's memory for mounts in flight, 10 bytes \(--max-inflight-mount-bytes\), is in use by other mounts: waited 0\.\ds for 1 bytes \(this mount holds 0\)$/,
    );
    const stop = new AbortController();
    const stopped = refusal(pool.forMount(10).charge(1, stop.signal));
    stop.abort(new Error('deadline'));
    expect((await stopped).code).toBe('IN_FLIGHT_BYTES_EXHAUSTED');
    expect(pool.waiting).toBe(0);
  });

  it('breaks a deadlock at once: when every holder waits, the newest waiting holder is refused', async () => {
    const pool = new InFlightBytes({ limit: 10, maxWaitMs: 60_000 });
    const a = pool.forMount(10);
    const b = pool.forMount(10);
    a.charge(5, never);
    b.charge(5, never);
    const aWaits = Promise.resolve(a.charge(3, never));
    const bRefused = refusal(b.charge(3, never));
    const error = await bRefused;
    expect(error.message).toContain(
      'is held by mounts that all wait for more: this mount holds 5 bytes and needs 3 more',
    );
    // The refused mount answers and releases: the other one goes on.
    b.release();
    await aWaits;
    expect(pool.used).toBe(8);
    a.release();
    expect(pool.used).toBe(0);
  });
});
