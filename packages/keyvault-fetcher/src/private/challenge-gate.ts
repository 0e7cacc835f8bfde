/**
 * Holds back the concurrent first calls of a new SDK client until its first call has answered the
 * Key Vault challenge. The SDK sends an unauthenticated probe for every request that starts before
 * its challenge completed (ten objects of a first mount = ten probes); held back, they leave the
 * moment the token arrives and carry it, so a client costs one probe. The first call's own latency
 * is unchanged and the others leave when they otherwise would have been re-sent after their probe.
 */
export class ChallengeGate {
  #state: 'cold' | 'warming' | 'open' = 'cold';
  readonly #held = new Set<() => void>();

  /** The client has a token (or its first call settled): let every held call go. */
  open(): void {
    if (this.#state === 'open') return;
    this.#state = 'open';
    // One macrotask later, so the SDK has recorded the completed challenge before the held calls reach it.
    setImmediate(() => {
      for (const release of this.#held) release();
      this.#held.clear();
    });
  }

  async run<T>(signal: AbortSignal, call: () => Promise<T>): Promise<T> {
    if (this.#state === 'cold') {
      this.#state = 'warming';
      try {
        return await call();
      } finally {
        this.open();
      }
    }
    if (this.#state === 'warming') await this.#hold(signal);
    return call();
  }

  #hold(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const release = (): void => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = (): void => {
        this.#held.delete(release);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#held.add(release);
    });
  }
}
