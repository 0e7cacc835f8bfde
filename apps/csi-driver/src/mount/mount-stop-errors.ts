/** Mount ended because the daemon stopped (grace period over) or the driver went away. */
export class MountCancelledError extends Error {
  override readonly name = 'MountCancelledError';
  readonly code = 'MOUNT_CANCELLED';
}

/** Our own safety net fired: a library did not settle by the end of the mount's budget. */
export class MountBudgetExceededError extends Error {
  override readonly name = 'MountBudgetExceededError';
  readonly code = 'MOUNT_BUDGET_EXCEEDED';
}
