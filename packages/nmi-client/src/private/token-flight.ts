import type { Dispatcher } from 'undici';
import type { NmiError } from '../nmi-error.js';
import type { NmiEvent } from '../nmi-event.js';
import type { PodRef } from '../pod-ref.js';
import { type BackoffPolicy, backoffDelay } from './backoff.js';
import { atDeadline } from './deadline-timer.js';
import {
  abortedError,
  closedError,
  type ErrorContext,
  failureError,
  isRetryable,
  timeoutError,
} from './errors.js';
import { type AttemptFailure, type InterruptReason, requestToken } from './token-request.js';
import type { NmiToken } from './token-response.js';

export interface FlightEnvironment {
  readonly dispatcher: Dispatcher;
  readonly endpoint: string;
  readonly backoff: BackoffPolicy;
  readonly maxAttempts: number;
  readonly now: () => number;
  readonly random: () => number;
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly emit: (event: NmiEvent) => void;
}

export interface FlightRequest {
  readonly pod: PodRef;
  readonly resource: string;
  readonly clientId: string | undefined;
  readonly url: string;
}

/**
 * One token acquisition from NMI (with its retries) shared by every caller asking for the same
 * key at the same time.
 *
 * It runs until the LATEST deadline among its waiters, extended when a caller with more time
 * joins. Running under the first caller's deadline would fail a later caller with budget left
 * and make it start over, i.e. a second 80–100 s NMI wait; under the latest one each caller
 * still gets its answer by its own deadline (its waiter times out on its own), and NMI's wait
 * is never cut short while someone can still use the answer. When every waiter has left
 * (aborted or timed out) the call is abandoned: nobody is left to use it.
 */
export class TokenFlight {
  readonly #env: FlightEnvironment;
  readonly #request: FlightRequest;
  readonly #controller = new AbortController();
  readonly #startedAt: number;
  readonly #onAbandoned: () => void;
  readonly #result: Promise<NmiToken>;
  #deadline: number;
  #waiters = 0;
  #settled = false;
  #attempts = 0;
  #inFlight = false;
  #lastFailure: AttemptFailure | undefined;

  constructor(env: FlightEnvironment, request: FlightRequest, deadline: number, onAbandoned: () => void) {
    this.#env = env;
    this.#request = request;
    this.#deadline = deadline;
    this.#startedAt = env.now();
    this.#onAbandoned = onAbandoned;
    this.#result = this.#run();
    this.#result.then(
      () => {
        this.#settled = true;
      },
      () => {
        this.#settled = true;
      },
    );
  }

  /** Resolves with the shared token, or rejects at this waiter's own deadline or abort. */
  join(deadline: number, signal: AbortSignal | undefined): Promise<NmiToken> {
    this.#waiters++;
    if (deadline > this.#deadline) this.#deadline = deadline;
    return new Promise<NmiToken>((resolve, reject) => {
      let done = false;
      let cancelTimer: (() => void) | undefined;
      const finish = (leaving: InterruptReason | undefined, settle: () => void): void => {
        if (done) return;
        done = true;
        cancelTimer?.();
        signal?.removeEventListener('abort', onAbort);
        this.#waiters--;
        if (leaving !== undefined && this.#waiters === 0 && !this.#settled) this.#abandon(leaving);
        settle();
      };
      const onAbort = (): void => finish('abandoned', () => reject(abortedError(this.#context())));
      if (signal?.aborted) {
        onAbort();
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      cancelTimer = atDeadline(
        () => deadline,
        this.#env.now,
        () => {
          const error = this.#deadlineError();
          // The last waiter's deadline is the call's deadline: it ends as a timeout, not an abandonment.
          finish(deadline >= this.#deadline ? 'deadline' : 'abandoned', () => reject(error));
        },
      );
      this.#result.then(
        (token) => finish(undefined, () => resolve(token)),
        (error: unknown) => finish(undefined, () => reject(error)),
      );
    });
  }

  /** Settles when NMI's answer (or the final error) is in, before any waiter hears of it. */
  get result(): Promise<NmiToken> {
    return this.#result;
  }

  /** Stops the call (client closing). */
  cancel(): void {
    this.#controller.abort('closed' satisfies InterruptReason);
  }

  #abandon(reason: InterruptReason): void {
    this.#controller.abort(reason);
    this.#onAbandoned();
  }

  async #run(): Promise<NmiToken> {
    const env = this.#env;
    for (let attempt = 1; ; attempt++) {
      this.#attempts = attempt;
      this.#inFlight = true;
      const started = env.now();
      const attemptController = new AbortController();
      const stopTimer = atDeadline(
        () => this.#deadline,
        env.now,
        () => attemptController.abort('deadline' satisfies InterruptReason),
      );
      const outcome = await requestToken({
        dispatcher: env.dispatcher,
        url: this.#request.url,
        pod: this.#request.pod,
        signal: AbortSignal.any([this.#controller.signal, attemptController.signal]),
        now: env.now,
      });
      stopTimer();
      this.#inFlight = false;
      const durationMs = env.now() - started;
      if (outcome.kind === 'token') {
        env.emit({ type: 'request', status: 200, durationMs, attempt });
        return outcome.token;
      }
      if (outcome.kind === 'interrupted') {
        env.emit({
          type: 'request',
          status: outcome.reason === 'deadline' ? 'timeout' : 'aborted',
          durationMs,
          attempt,
        });
        this.#inFlight = outcome.reason === 'deadline';
        throw this.#interruptedError(outcome.reason);
      }
      const failure = outcome.failure;
      env.emit({
        type: 'request',
        status: failure.kind === 'network' ? 'network' : failure.kind === 'status' ? failure.status : 200,
        durationMs,
        attempt,
      });
      this.#lastFailure = failure;
      if (!isRetryable(failure)) throw failureError(failure, this.#context());
      if (attempt >= env.maxAttempts) {
        throw failureError(failure, this.#context(`all ${env.maxAttempts} attempts used`));
      }
      const delayMs = backoffDelay(attempt, env.backoff, env.random);
      if (env.now() + delayMs >= this.#deadline) {
        throw failureError(failure, this.#context('retry budget exhausted'));
      }
      env.emit({ type: 'retry', attempt, delayMs });
      try {
        await env.sleep(delayMs, this.#controller.signal);
      } catch {
        // An aborted sleep is handled below.
      }
      if (this.#controller.signal.aborted) {
        throw this.#interruptedError(this.#controller.signal.reason as InterruptReason);
      }
    }
  }

  #interruptedError(reason: InterruptReason): NmiError {
    if (reason === 'deadline') return this.#deadlineError();
    return reason === 'closed' ? closedError(this.#context()) : abortedError(this.#context());
  }

  /**
   * At a deadline, the last answer NMI gave is the most useful error ("identity not assigned"
   * beats "timed out"); NMI_TIMEOUT only when NMI never answered before the request in flight.
   */
  #deadlineError(): NmiError {
    const last = this.#lastFailure;
    if (this.#inFlight) {
      if (last !== undefined && last.kind !== 'network') {
        return failureError(
          last,
          this.#context(`deadline reached while attempt ${this.#attempts} was in flight`),
        );
      }
      return timeoutError(this.#context());
    }
    if (last !== undefined) return failureError(last, this.#context('deadline reached'));
    return timeoutError(this.#context());
  }

  #context(note?: string): ErrorContext {
    return {
      pod: this.#request.pod,
      resource: this.#request.resource,
      endpoint: this.#env.endpoint,
      attempts: this.#attempts,
      elapsedMs: this.#env.now() - this.#startedAt,
      ...(note === undefined ? {} : { note }),
    };
  }
}
