import { describe, expect, it } from 'vitest';
import { SingleFlight } from './single-flight.js';

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const caller = (deadline = Number.POSITIVE_INFINITY) => {
  const controller = new AbortController();
  return { controller, signal: controller.signal, deadline };
};

describe('SingleFlight', () => {
  it('runs one operation for concurrent callers with the same key and shares its result', async () => {
    const flights = new SingleFlight<string>();
    const d = deferred<string>();
    let starts = 0;
    let joins = 0;
    const start = () => {
      starts++;
      return d.promise;
    };
    const a = flights.run('k', caller(), start, () => joins++);
    const b = flights.run('k', caller(), start, () => joins++);
    const other = flights.run('other', caller(), async () => 'x');
    d.resolve('v');
    expect(await Promise.all([a, b, other])).toEqual(['v', 'v', 'x']);
    expect([starts, joins]).toEqual([1, 1]);
    expect(flights.size).toBe(0);
  });

  it('starts again once the previous operation settled (no result caching)', async () => {
    const flights = new SingleFlight<number>();
    let n = 0;
    expect(await flights.run('k', caller(), async () => ++n)).toBe(1);
    expect(await flights.run('k', caller(), async () => ++n)).toBe(2);
  });

  it('shares failures', async () => {
    const flights = new SingleFlight<number>();
    const d = deferred<number>();
    const a = flights.run('k', caller(), () => d.promise);
    const b = flights.run('k', caller(), () => d.promise);
    d.reject(new Error('403'));
    await expect(a).rejects.toThrow('403');
    await expect(b).rejects.toThrow('403');
  });

  it('lets one caller abort without aborting the shared operation for the others', async () => {
    const flights = new SingleFlight<string>();
    const d = deferred<string>();
    let sharedSignal: AbortSignal | undefined;
    const first = caller();
    const a = flights.run('k', first, (shared) => {
      sharedSignal = shared.signal;
      return d.promise;
    });
    const b = flights.run('k', caller(), () => d.promise);
    first.controller.abort(new Error('pod gone'));
    await expect(a).rejects.toThrow('pod gone');
    expect(sharedSignal?.aborted).toBe(false);
    d.resolve('v');
    expect(await b).toBe('v');
  });

  it('aborts the shared operation when the last caller leaves, and the next caller starts afresh', async () => {
    const flights = new SingleFlight<string>();
    let sharedSignal: AbortSignal | undefined;
    const only = caller();
    const a = flights.run('k', only, (shared) => {
      sharedSignal = shared.signal;
      return new Promise<string>(() => undefined);
    });
    only.controller.abort(new Error('deadline'));
    await expect(a).rejects.toThrow('deadline');
    expect(sharedSignal?.aborted).toBe(true);
    expect(await flights.run('k', caller(), async () => 'fresh')).toBe('fresh');
  });

  it('exposes the latest deadline among the waiters', async () => {
    const flights = new SingleFlight<number>();
    const d = deferred<number>();
    let read: (() => number) | undefined;
    const a = flights.run('k', caller(1000), (shared) => {
      read = () => shared.latestDeadline;
      return d.promise;
    });
    const b = flights.run('k', caller(5000), () => d.promise);
    expect(read?.()).toBe(5000);
    d.resolve(1);
    await Promise.all([a, b]);
  });

  it('rejects at once for an already aborted caller', async () => {
    const flights = new SingleFlight<number>();
    const c = caller();
    c.controller.abort(new Error('late'));
    await expect(flights.run('k', c, async () => 1)).rejects.toThrow('late');
  });
});
