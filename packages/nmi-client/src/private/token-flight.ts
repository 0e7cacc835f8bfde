import type { SharedCall } from '@keyvault-csi/internal';
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
 * One token acquisition from NMI (with its retries), run once for every caller asking for the same
 * key at the same time: `SingleFlight` (from @keyvault-csi/internal) keeps the callers, this keeps
 * the call. It runs until the LATEST deadline among its callers (`shared.latestDeadline`, read again
 * at every check), so NMI's wait is never cut short while someone can still use the answer; when
 * every caller has left, `shared.signal` aborts with the last one's reason ('deadline' or
 * 'abandoned') and the call stops. `closing` stops it when the client closes.
 */
export class TokenFlight {
  readonly #env: FlightEnvironment;
  readonly #request: FlightRequest;
  readonly #shared: SharedCall;
  readonly #signal: AbortSignal;
  readonly #startedAt: number;
  readonly #result: Promise<NmiToken>;
  #attempts = 0;
  #inFlight = false;
  #lastFailure: AttemptFailure | undefined;

  constructor(env: FlightEnvironment, request: FlightRequest, shared: SharedCall, closing: AbortSignal) {
    this.#env = env;
    this.#request = request;
    this.#shared = shared;
    this.#signal = AbortSignal.any([closing, shared.signal]);
    this.#startedAt = env.now();
    this.#result = this.#run();
  }

  /** Settles with NMI's answer or the final error. */
  get result(): Promise<NmiToken> {
    return this.#result;
  }

  /** The latest deadline among the callers still waiting. */
  get deadline(): number {
    return this.#shared.latestDeadline;
  }

  async #run(): Promise<NmiToken> {
    const env = this.#env;
    for (let attempt = 1; ; attempt++) {
      this.#attempts = attempt;
      this.#inFlight = true;
      const started = env.now();
      const attemptController = new AbortController();
      const stopTimer = atDeadline(
        () => this.#shared.latestDeadline,
        env.now,
        () => attemptController.abort('deadline' satisfies InterruptReason),
      );
      const outcome = await requestToken({
        dispatcher: env.dispatcher,
        url: this.#request.url,
        pod: this.#request.pod,
        signal: AbortSignal.any([this.#signal, attemptController.signal]),
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
      if (!isRetryable(failure)) throw failureError(failure, this.context());
      if (attempt >= env.maxAttempts) {
        throw failureError(failure, this.context(`all ${env.maxAttempts} attempts used`));
      }
      const delayMs = backoffDelay(attempt, env.backoff, env.random);
      if (env.now() + delayMs >= this.#shared.latestDeadline) {
        throw failureError(failure, this.context('retry budget exhausted'));
      }
      env.emit({ type: 'retry', attempt, delayMs });
      try {
        await env.sleep(delayMs, this.#signal);
      } catch {
        // An aborted sleep is handled below.
      }
      if (this.#signal.aborted) {
        throw this.#interruptedError(this.#signal.reason as InterruptReason);
      }
    }
  }

  #interruptedError(reason: InterruptReason): NmiError {
    if (reason === 'deadline') return this.deadlineError();
    return reason === 'closed' ? closedError(this.context()) : abortedError(this.context());
  }

  /**
   * At a deadline, the last answer NMI gave is the most useful error ("identity not assigned"
   * beats "timed out"); NMI_TIMEOUT only when NMI never answered before the request in flight.
   */
  deadlineError(): NmiError {
    const last = this.#lastFailure;
    if (this.#inFlight) {
      if (last !== undefined && last.kind !== 'network') {
        return failureError(
          last,
          this.context(`deadline reached while attempt ${this.#attempts} was in flight`),
        );
      }
      return timeoutError(this.context());
    }
    if (last !== undefined) return failureError(last, this.context('deadline reached'));
    return timeoutError(this.context());
  }

  /** What an error names: the pod, the resource, NMI and how far the call got. */
  context(note?: string): ErrorContext {
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
