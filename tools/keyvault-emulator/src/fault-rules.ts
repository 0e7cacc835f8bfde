/** What an injected fault does to a matching request. */
export type FaultAction =
  /** Answer with this status and a Key Vault error body. */
  | {
      readonly type: 'status';
      readonly status: number;
      readonly code?: string;
      readonly message?: string;
      readonly innerCode?: string;
      readonly headers?: Readonly<Record<string, string>>;
    }
  /** 429 `Throttled`, with `Retry-After` (seconds) and/or `retry-after-ms` when given, else no retry header. */
  | {
      readonly type: 'throttle';
      readonly retryAfterSeconds?: number;
      readonly retryAfterMs?: number;
      readonly reason?: string;
    }
  /** 503 `ServiceUnavailable`, optionally with `Retry-After` (seconds). */
  | { readonly type: 'unavailable'; readonly retryAfterSeconds?: number }
  /**
   * 401 CAE claims challenge (`error="insufficient_claims"`, base64 `claims`); the SDK asks its
   * credential again with `claims` and resends. Default claims: an `nbf` requirement of now.
   */
  | { readonly type: 'claims-challenge'; readonly claims?: string }
  /** Wait, then serve the request normally. */
  | { readonly type: 'delay'; readonly ms: number }
  /** Reset the TCP connection (RST) without answering; over HTTP/2, reset this request's stream (RST_STREAM). */
  | { readonly type: 'reset' }
  /** Serve the normal answer but close the connection (HTTP/2: reset the stream) halfway through the body. */
  | { readonly type: 'truncate' };

export interface FaultRule {
  /** Request path without the query: a string matches exactly, or ignoring a trailing `/`; a RegExp is tested. */
  readonly path?: string | RegExp;
  readonly method?: string;
  /** Vault name. */
  readonly vault?: string;
  /** Client id (`appid`) or object id (`oid`) of the token; never matches challenge probes. */
  readonly identity?: string;
  /**
   * Attempt numbers (1-based) of the same logical request, counted per `x-ms-client-request-id`
   * (the SDK keeps it across retries); the unauthenticated challenge probe is not counted.
   */
  readonly attempts?: readonly number[];
  /** Apply to the first K matching requests only, then stop. */
  readonly times?: number;
  /** Also match unauthenticated challenge probes (default false: faults hit authorised requests). */
  readonly includeProbes?: boolean;
  readonly action: FaultAction;
}

/** A rule in force; `matched` counts the requests it has hit. */
export interface FaultHandle {
  readonly rule: FaultRule;
  readonly matched: number;
  remove(): void;
}

export interface FaultRequest {
  readonly path: string;
  readonly method: string;
  readonly vault: string;
  readonly identity: { readonly appid: string; readonly oid: string } | undefined;
  readonly attempt: number;
}

class ActiveFault implements FaultHandle {
  matched = 0;
  constructor(
    readonly rule: FaultRule,
    private readonly owner: FaultInjector,
  ) {}
  remove(): void {
    this.owner.remove(this);
  }
}

/** Ordered fault rules; the first one matching a request applies. */
export class FaultInjector {
  readonly #rules: ActiveFault[] = [];

  add(rule: FaultRule): FaultHandle {
    const active = new ActiveFault(rule, this);
    this.#rules.push(active);
    return active;
  }

  remove(handle: FaultHandle): void {
    const index = this.#rules.indexOf(handle as ActiveFault);
    if (index >= 0) this.#rules.splice(index, 1);
  }

  clear(): void {
    this.#rules.length = 0;
  }

  /** Finds the first applicable rule and counts the hit. */
  match(request: FaultRequest): FaultAction | undefined {
    for (const active of this.#rules) {
      if (!matches(active.rule, request)) continue;
      if (active.rule.times !== undefined && active.matched >= active.rule.times) continue;
      active.matched++;
      return active.rule.action;
    }
    return undefined;
  }
}

function matches(rule: FaultRule, request: FaultRequest): boolean {
  if (!request.identity && !rule.includeProbes) return false;
  if (rule.method && rule.method.toUpperCase() !== request.method) return false;
  if (rule.vault && rule.vault !== request.vault) return false;
  if (rule.identity && rule.identity !== request.identity?.appid && rule.identity !== request.identity?.oid) {
    return false;
  }
  if (rule.attempts && (!request.identity || !rule.attempts.includes(request.attempt))) return false;
  if (rule.path !== undefined) {
    if (typeof rule.path === 'string') {
      const trim = (p: string) => (p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p);
      if (trim(rule.path) !== trim(request.path)) return false;
    } else {
      rule.path.lastIndex = 0;
      if (!rule.path.test(request.path)) return false;
    }
  }
  return true;
}
