/**
 * Bounds of the health and metrics HTTP listeners. Both listen on the node's addresses (the pod runs
 * with `hostNetwork: true`), so anyone who reaches a node IP can talk to them: every resource a
 * client can hold is bounded here.
 */
export interface HttpLimits {
  /**
   * Open connections per listener. At the cap the oldest connection is closed to make room, so a
   * client holding many slow connections cannot keep out a short-lived kubelet probe.
   */
  readonly maxConnections: number;
  /** Time a client has to send the request line and all headers (Node `headersTimeout`). */
  readonly headersTimeoutMs: number;
  /** Time a client has to send the whole request (Node `requestTimeout`). */
  readonly requestTimeoutMs: number;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = Object.freeze({
  maxConnections: 32,
  headersTimeoutMs: 5000,
  requestTimeoutMs: 10_000,
});

/**
 * Request line plus headers, in bytes (Node `maxHeaderSize`): probes and scrapes send a few hundred.
 * A larger head is answered `431` and the connection closed.
 */
export const MAX_HTTP_HEAD_BYTES = 8 * 1024;

/** How long an idle keep-alive connection (a Prometheus scraper between scrapes) stays open. */
export const HTTP_KEEP_ALIVE_MS = 5000;

/** How often Node checks the header and request timeouts of open connections (default 30 s). */
export const HTTP_TIMEOUT_CHECK_INTERVAL_MS = 1000;
