import { setTimeout as sleepFor } from 'node:timers/promises';
import { retryAfterMs } from './retry-after.js';

export interface ThrottleRetryOptions {
  readonly signal: AbortSignal;
  /** Latest deadline (epoch ms) the result is still useful for; retries that would end later are not tried. */
  readonly deadline: () => number;
  readonly now: () => number;
  readonly random: () => number;
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly onRetry?: (delayMs: number) => void;
}

/** Nominal backoff steps when a 429 carries no Retry-After (the SDK does not retry those at all). */
export const THROTTLE_BACKOFF_MS: readonly number[] = [1000, 2000, 4000];

function isThrottled(error: unknown): boolean {
  return (error as { statusCode?: unknown } | undefined)?.statusCode === 429;
}

/**
 * Runs `call`, and on a final 429 (after the SDK's own Retry-After handling) waits and tries again:
 * the server's Retry-After when present, else 1 s, 2 s, 4 s with ±25 % jitter so pods that were
 * throttled together do not come back together. Gives up with the 429 when the wait would pass the
 * deadline.
 */
export async function withThrottleRetry<T>(
  call: () => Promise<T>,
  options: ThrottleRetryOptions,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const nominal = THROTTLE_BACKOFF_MS[attempt];
      if (!isThrottled(error) || nominal === undefined) throw error;
      const delay =
        retryAfterMs(error, options.now()) ?? Math.round(nominal * (0.75 + 0.5 * options.random()));
      if (options.now() + delay >= options.deadline()) throw error;
      options.onRetry?.(delay);
      await options.sleep(delay, options.signal);
    }
  }
}

/**
 * `node:timers/promises` setTimeout, rejecting with the signal's own reason on abort (Node's rejects
 * with an AbortError wrapping it; the fetcher's callers tell deadline from abort by the reason).
 */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return sleepFor(ms, undefined, { signal }).catch(() => {
    throw signal.reason;
  });
}
