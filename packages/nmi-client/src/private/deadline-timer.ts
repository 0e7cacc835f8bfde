/** Node fires longer timeouts at once, so long waits are re-armed in steps. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * Calls `fire` once `deadline()` has passed on the injected clock. The deadline is read again
 * when the timer wakes, so it may move later in the meantime. Returns a cancel function.
 */
export function atDeadline(deadline: () => number, now: () => number, fire: () => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  const check = (): void => {
    const left = deadline() - now();
    if (left <= 0) {
      timer = undefined;
      fire();
    } else {
      timer = setTimeout(check, Math.min(left, MAX_TIMER_MS));
    }
  };
  check();
  return () => {
    if (timer !== undefined) clearTimeout(timer);
  };
}
