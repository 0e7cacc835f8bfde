/** What a wildcard mount cannot go below, given Key Vault's paging and the daemon's request limit. */
export interface WildcardFloorInput {
  /** Secrets the wildcard matches (each read once). */
  readonly matches: number;
  /** Secrets the vault holds (every one is listed, matching or not). */
  readonly listed: number;
  /** Items per list page (Key Vault: at most 25). */
  readonly pageSize: number;
  /** Key Vault requests in flight per vault (`--max-concurrency`, default 64). */
  readonly concurrency: number;
  /** Latency of every Key Vault request. */
  readonly latencyMs: number;
}

/**
 * The ideal wall time of a wildcard mount: the list pages one after another (each `nextLink` is
 * known only from the page before it), then the GETs in waves of `concurrency`. Ignores CPU,
 * the token and the challenge round trip: a lower bound, not a target.
 */
export function wildcardFloorMs(input: WildcardFloorInput): number {
  const { matches, listed, pageSize, concurrency, latencyMs } = input;
  if (!(pageSize >= 1 && concurrency >= 1)) throw new RangeError('pageSize and concurrency must be ≥ 1');
  const pages = Math.max(1, Math.ceil(listed / pageSize));
  const waves = Math.ceil(matches / concurrency);
  return (pages + waves) * latencyMs;
}
