export interface BackoffPolicy {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  /** Fraction of the delay added or removed at random (0.2 = ±20 %). */
  readonly jitter: number;
}

/** Delay before the attempt after `failedAttempt` (1-based): 0.5 s, 1 s, 2 s, 4 s, then the cap, jittered. */
export function backoffDelay(failedAttempt: number, policy: BackoffPolicy, random: () => number): number {
  const base = Math.min(policy.initialDelayMs * 2 ** (failedAttempt - 1), policy.maxDelayMs);
  const jittered = base * (1 + policy.jitter * (2 * random() - 1));
  return Math.max(0, Math.round(Math.min(jittered, policy.maxDelayMs)));
}
