import { setMaxListeners } from 'node:events';

/**
 * One mount's cancellation: the caller's abort signal combined with its deadline. Remembers whether
 * the deadline (rather than the caller) ended the mount, so errors can say which.
 */
export class MountSignal {
  readonly #controller = new AbortController();
  readonly #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #onCallerAbort: (() => void) | undefined;
  readonly #callerSignal: AbortSignal | undefined;
  readonly deadline: number;
  readonly budgetMs: number;
  #deadlineExceeded = false;

  constructor(options: { abortSignal?: AbortSignal; deadline?: number; now: () => number }) {
    // Every object of the mount (and the SDK under it) listens on this one signal.
    setMaxListeners(0, this.#controller.signal);
    this.deadline = options.deadline ?? Number.POSITIVE_INFINITY;
    this.budgetMs = this.deadline - options.now();
    this.#callerSignal = options.abortSignal;
    if (options.abortSignal?.aborted) {
      this.#controller.abort(options.abortSignal.reason);
    } else if (options.abortSignal) {
      const callerSignal = options.abortSignal;
      this.#onCallerAbort = () => this.#controller.abort(callerSignal.reason);
      callerSignal.addEventListener('abort', this.#onCallerAbort, { once: true });
    }
    if (Number.isFinite(this.deadline) && !this.#controller.signal.aborted) {
      const fire = (): void => {
        this.#deadlineExceeded = true;
        const error = new Error('mount deadline exceeded');
        error.name = 'AbortError';
        this.#controller.abort(error);
      };
      if (this.budgetMs <= 0) fire();
      else this.#timer = setTimeout(fire, this.budgetMs);
    }
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get deadlineExceeded(): boolean {
    return this.#deadlineExceeded;
  }

  /** Stops the mount (its outstanding requests) with `reason`; no effect once aborted. */
  abort(reason: unknown): void {
    if (!this.#controller.signal.aborted) this.#controller.abort(reason);
  }

  dispose(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    if (this.#onCallerAbort) this.#callerSignal?.removeEventListener('abort', this.#onCallerAbort);
  }
}
