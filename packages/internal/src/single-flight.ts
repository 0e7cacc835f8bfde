import { setMaxListeners } from 'node:events';

/** What the shared operation may read about the callers currently waiting for it. */
export interface SharedCall {
  /** Aborted only when every waiting caller has gone (aborted or deadline). */
  readonly signal: AbortSignal;
  /** The latest deadline (epoch ms) among the waiters; Infinity when one has none. */
  readonly latestDeadline: number;
}

/** One caller: it leaves (rejected with its signal's reason) when its signal aborts. */
export interface SingleFlightCaller {
  readonly signal: AbortSignal;
  /** Epoch ms by which this caller needs the answer; Infinity for none. */
  readonly deadline: number;
}

interface Entry<T> {
  readonly controller: AbortController;
  promise: Promise<T>;
  waiters: number;
  latestDeadline: number;
}

/**
 * Coalesces identical concurrent operations: callers with the same key while one is in flight share
 * its result. Each caller keeps its own abort signal; the shared operation is aborted (with the
 * reason of the last caller to leave) only when no caller is left, so one pod's short deadline never
 * fails another pod's mount. The operation reads the latest deadline among its callers, which grows
 * as callers with more time join: running under the first caller's deadline would fail a later
 * caller that still has budget and make it start over.
 *
 * Used by the Key Vault fetcher (one read per object and identity) and the NMI client (one token
 * request per pod, resource and client id).
 */
export class SingleFlight<T> {
  readonly #inFlight = new Map<string, Entry<T>>();

  get size(): number {
    return this.#inFlight.size;
  }

  run(
    key: string,
    caller: SingleFlightCaller,
    start: (shared: SharedCall) => Promise<T>,
    onJoin?: () => void,
  ): Promise<T> {
    if (caller.signal.aborted) return Promise.reject(caller.signal.reason);
    let entry = this.#inFlight.get(key);
    if (entry) {
      entry.latestDeadline = Math.max(entry.latestDeadline, caller.deadline);
      onJoin?.();
    } else {
      const created: Entry<T> = {
        controller: new AbortController(),
        promise: Promise.resolve() as Promise<never>,
        waiters: 0,
        latestDeadline: caller.deadline,
      };
      setMaxListeners(0, created.controller.signal);
      const shared: SharedCall = {
        signal: created.controller.signal,
        get latestDeadline() {
          return created.latestDeadline;
        },
      };
      created.promise = start(shared).finally(() => {
        if (this.#inFlight.get(key) === created) this.#inFlight.delete(key);
      });
      // Waiters may all have left; the outcome is then nobody's to handle.
      created.promise.catch(() => undefined);
      this.#inFlight.set(key, created);
      entry = created;
    }
    const joined = entry;
    joined.waiters++;
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const leave = (): void => {
        settled = true;
        caller.signal.removeEventListener('abort', onAbort);
      };
      const onAbort = (): void => {
        if (settled) return;
        leave();
        joined.waiters--;
        if (joined.waiters === 0) {
          if (this.#inFlight.get(key) === joined) this.#inFlight.delete(key);
          joined.controller.abort(caller.signal.reason);
        }
        reject(caller.signal.reason);
      };
      caller.signal.addEventListener('abort', onAbort, { once: true });
      joined.promise.then(
        (value) => {
          if (settled) return;
          leave();
          resolve(value);
        },
        (error: unknown) => {
          if (settled) return;
          leave();
          reject(error);
        },
      );
    });
  }
}
