/** Time kept back from the caller's deadline so our answer reaches the driver before it gives up. */
export const DEADLINE_MARGIN_MS = 5000;

/**
 * The epoch-ms instant by which a Mount must have answered: the incoming deadline minus 5 s (or
 * minus half of what remains when less than 10 s remain), or `now + mountTimeoutMs` when the call
 * carries no deadline (drivers ≤ v1.5 rotation calls).
 */
export function mountBudgetEnd(incomingDeadline: Date | number, now: number, mountTimeoutMs: number): number {
  const deadline = incomingDeadline instanceof Date ? incomingDeadline.getTime() : incomingDeadline;
  if (!Number.isFinite(deadline)) return now + mountTimeoutMs;
  const remaining = deadline - now;
  return deadline - Math.min(DEADLINE_MARGIN_MS, Math.max(remaining, 0) / 2);
}
