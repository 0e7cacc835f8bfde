/**
 * Events for metrics and logs. They carry no token, pod name or client id, so they are safe as
 * metric labels.
 */
export type NmiEvent =
  | {
      readonly type: 'request';
      /** HTTP status, `network` (no answer), `timeout` (deadline hit in flight) or `aborted` (every caller left). */
      readonly status: number | 'network' | 'timeout' | 'aborted';
      readonly durationMs: number;
      /** 1 for the first attempt of a token acquisition. */
      readonly attempt: number;
    }
  | {
      readonly type: 'retry';
      /** The attempt that failed and is followed by another. */
      readonly attempt: number;
      readonly delayMs: number;
    }
  | {
      readonly type: 'cache';
      /** `shared`: joined a single-flight call already in progress for the same key. */
      readonly result: 'hit' | 'miss' | 'shared';
    };
