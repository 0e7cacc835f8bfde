import { setTimeout as sleepFor } from 'node:timers/promises';
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import { type SharedCall, SingleFlight } from '@keyvault-csi/internal';
import { Agent } from 'undici';
import { NmiError } from './nmi-error.js';
import type { NmiEvent } from './nmi-event.js';
import type { NmiIdentity } from './nmi-identity.js';
import type { PodRef } from './pod-ref.js';
import type { BackoffPolicy } from './private/backoff.js';
import { atDeadline } from './private/deadline-timer.js';
import { abortedError, closedError, type ErrorContext, timeoutError } from './private/errors.js';
import { resourceFromScopes } from './private/resource.js';
import { type CachedToken, TokenCache } from './private/token-cache.js';
import { type FlightEnvironment, TokenFlight } from './private/token-flight.js';
import type { InterruptReason } from './private/token-request.js';
import type { NmiToken } from './private/token-response.js';
import { redact } from './redact.js';
import { identityClaimsOf } from './token-claims.js';

export const DEFAULT_NMI_ENDPOINT = 'http://127.0.0.1:2579';

export interface NmiRetryOptions {
  /**
   * Time allowed for one getToken when the credential has no `deadline` (default 120 000 ms:
   * covers NMI's own 80–100 s wait for identity assignment plus a retry).
   */
  readonly budgetMs?: number;
  /** First backoff delay (default 500 ms); doubles per attempt. */
  readonly initialDelayMs?: number;
  /** Backoff cap (default 5000 ms). */
  readonly maxDelayMs?: number;
  /** Random spread of each delay, as a fraction (default 0.2 = ±20 %). */
  readonly jitter?: number;
  /** Upper bound on attempts per acquisition, whatever the budget (default 64). */
  readonly maxAttempts?: number;
}

export interface NmiClientOptions {
  /** NMI base URL (default `http://127.0.0.1:2579`; use 127.0.0.1, NMI does not listen on ::1). */
  readonly endpoint?: string;
  readonly retry?: NmiRetryOptions;
  /** A cached token is reused until its expiry minus this margin (default 300 000 ms = 5 min). */
  readonly cacheMarginMs?: number;
  /**
   * A cached token is reused at most this long after NMI issued it to the pod (default 300 000 ms
   * = 5 min; flag `--token-cache-max-age`), then NMI is asked again, so a removed identity binding
   * takes effect within this bound instead of at the token's expiry (~24 h for a managed
   * identity). 0 asks NMI on every call, like the reference provider.
   */
  readonly maxTokenAgeMs?: number;
  /** Cached tokens kept at most (default 1000); expired entries are evicted first, then the least recently used. */
  readonly maxCacheEntries?: number;
  /** Clock in epoch ms (default `Date.now`); deadlines and token expiry are read on it. */
  readonly now?: () => number;
  /** Source of jitter in [0, 1) (default `Math.random`). */
  readonly random?: () => number;
  /** Backoff sleep; must end early when `signal` aborts (default: a timer). */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Metrics hook; exceptions it throws are ignored. Events never carry tokens or pod names. */
  readonly onEvent?: (event: NmiEvent) => void;
}

export interface NmiCredentialOptions {
  /** The pod whose volume is being mounted. */
  readonly pod: PodRef;
  /** `podIdentityClientID`: picks this identity among those assigned to the pod (NMI `client_id`). */
  readonly clientId?: string;
  /**
   * Epoch ms after which getToken gives up (e.g. the mount's gRPC deadline minus a margin).
   * Without it each getToken gets `retry.budgetMs`. Cached tokens are returned even past it.
   */
  readonly deadline?: number;
}

/** Options of `NmiCredential.resolveIdentity`: the same abort signal and timeout as getToken's. */
export type ResolveIdentityOptions = Pick<GetTokenOptions, 'abortSignal' | 'requestOptions'>;

/** A TokenCredential for one pod (and optionally one identity), backed by the shared NmiClient. */
export interface NmiCredential extends TokenCredential {
  readonly pod: PodRef;
  readonly clientId: string | undefined;
  getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken>;
  /**
   * Which identity NMI gives this pod for the resource, without the token. Same cache,
   * single-flight, retries, deadline and errors as getToken: the token it caches is the one a
   * following getToken returns, so resolving first costs no extra NMI call.
   */
  resolveIdentity(scopes: string | string[], options?: ResolveIdentityOptions): Promise<NmiIdentity>;
  /**
   * This credential, returning only tokens NMI issued for `identity` (client id, and the token's
   * tenant and object id when `identity` has them): any other answer fails getToken with
   * `NMI_IDENTITY_MISMATCH`. For clients shared by every pod of one identity: a token for another
   * identity must never reach them, even when the pod's bindings change mid-mount.
   */
  forIdentity(identity: NmiIdentity): TokenCredential;
}

/** Printable ASCII, no space: what a Kubernetes name can hold, and safe in an HTTP header value. */
const HEADER_SAFE = /^[\x21-\x7e]+$/;

const DEFAULTS = {
  budgetMs: 120_000,
  initialDelayMs: 500,
  maxDelayMs: 5_000,
  jitter: 0.2,
  maxAttempts: 64,
  cacheMarginMs: 5 * 60_000,
  maxTokenAgeMs: 5 * 60_000,
  maxCacheEntries: 1000,
} as const;

/**
 * Gets Azure AD tokens for pods from aad-pod-identity's NMI. One per process: it owns the
 * keep-alive connection pool to NMI, the token cache and the single-flight table.
 */
export class NmiClient {
  readonly #endpoint: string;
  readonly #agent: Agent;
  readonly #cache: TokenCache;
  readonly #flights = new SingleFlight<NmiToken>();
  /** The call behind each key in `#flights`, for the errors its callers get at their deadline. */
  readonly #calls = new Map<string, TokenFlight>();
  /** Aborted by close(): stops every call in flight. */
  readonly #closing = new AbortController();
  readonly #env: FlightEnvironment;
  readonly #budgetMs: number;
  readonly #cacheMarginMs: number;
  readonly #maxTokenAgeMs: number;
  readonly #now: () => number;
  #closed = false;

  constructor(options: NmiClientOptions = {}) {
    this.#endpoint = normalizeEndpoint(options.endpoint ?? DEFAULT_NMI_ENDPOINT);
    const retry = options.retry ?? {};
    const backoff: BackoffPolicy = {
      initialDelayMs: nonNegative('retry.initialDelayMs', retry.initialDelayMs ?? DEFAULTS.initialDelayMs),
      maxDelayMs: nonNegative('retry.maxDelayMs', retry.maxDelayMs ?? DEFAULTS.maxDelayMs),
      jitter: fraction('retry.jitter', retry.jitter ?? DEFAULTS.jitter),
    };
    this.#budgetMs = nonNegative('retry.budgetMs', retry.budgetMs ?? DEFAULTS.budgetMs);
    this.#cacheMarginMs = nonNegative('cacheMarginMs', options.cacheMarginMs ?? DEFAULTS.cacheMarginMs);
    this.#maxTokenAgeMs = nonNegative('maxTokenAgeMs', options.maxTokenAgeMs ?? DEFAULTS.maxTokenAgeMs);
    this.#cache = new TokenCache(
      atLeastOne('maxCacheEntries', options.maxCacheEntries ?? DEFAULTS.maxCacheEntries),
    );
    this.#now = options.now ?? Date.now;
    // A plain Agent: no proxy from the environment; headers may take as long as NMI's own
    // 80–100 s wait, so only our deadline bounds an attempt.
    this.#agent = new Agent({ keepAliveTimeout: 30_000, headersTimeout: 0, bodyTimeout: 0 });
    const onEvent = options.onEvent;
    this.#env = {
      dispatcher: this.#agent,
      endpoint: this.#endpoint,
      backoff,
      maxAttempts: atLeastOne('retry.maxAttempts', retry.maxAttempts ?? DEFAULTS.maxAttempts),
      now: this.#now,
      random: options.random ?? Math.random,
      sleep: options.sleep ?? ((ms, signal) => sleepFor(ms, undefined, { signal })),
      emit: (event) => {
        try {
          onEvent?.(event);
        } catch {
          // Metrics must never break token acquisition.
        }
      },
    };
  }

  /** The NMI base URL requests go to. */
  get endpoint(): string {
    return this.#endpoint;
  }

  /** A credential for one pod; cheap, make one per mount. */
  credentialFor(options: NmiCredentialOptions): NmiCredential {
    const { pod, clientId, deadline } = options;
    if (
      !pod ||
      typeof pod.namespace !== 'string' ||
      pod.namespace === '' ||
      typeof pod.name !== 'string' ||
      pod.name === ''
    ) {
      throw new NmiError('NMI credential needs the pod namespace and name', { code: 'NMI_INVALID_OPTIONS' });
    }
    // They travel as the `podns`/`podname` headers: a CR/LF (or any control character) would
    // split the request, so such a value is refused here, before any request.
    if (!HEADER_SAFE.test(pod.namespace) || !HEADER_SAFE.test(pod.name)) {
      throw new NmiError(
        'NMI credential needs a pod namespace and name of printable ASCII characters (as Kubernetes names are)',
        { code: 'NMI_INVALID_OPTIONS' },
      );
    }
    if (deadline !== undefined && !Number.isFinite(deadline)) {
      throw new NmiError(`invalid NMI credential deadline ${deadline}: expected epoch milliseconds`, {
        code: 'NMI_INVALID_OPTIONS',
      });
    }
    const podRef: PodRef = { namespace: pod.namespace, name: pod.name, uid: pod.uid ?? '' };
    const wanted = clientId === '' ? undefined : clientId;
    const getToken = async (
      scopes: string | string[],
      getTokenOptions: GetTokenOptions = {},
    ): Promise<AccessToken> => {
      const { token } = await this.#acquire(podRef, wanted, deadline, scopes, getTokenOptions);
      return token;
    };
    const resolveIdentity = async (
      scopes: string | string[],
      resolveOptions: ResolveIdentityOptions = {},
    ): Promise<NmiIdentity> => {
      const { identity } = await this.#acquire(podRef, wanted, deadline, scopes, resolveOptions);
      return identity;
    };
    const forIdentity = (expected: NmiIdentity): TokenCredential => ({
      getToken: async (scopes, getTokenOptions = {}) => {
        const { token, identity } = await this.#acquire(podRef, wanted, deadline, scopes, getTokenOptions);
        const mismatch = identityMismatch(expected, identity);
        if (mismatch !== undefined) {
          throw new NmiError(
            `NMI issued pod ${podRef.namespace}/${podRef.name} a token for ${describeIdentity(identity)}, but this ` +
              `credential is for ${describeIdentity(expected)} (${mismatch} differs): refusing the token; the pod's ` +
              'identity bindings changed during the mount, the next mount resolves the identity again',
            { code: 'NMI_IDENTITY_MISMATCH', pod: podRef, endpoint: this.#endpoint },
          );
        }
        return token;
      },
    });
    return { pod: podRef, clientId: wanted, getToken, resolveIdentity, forIdentity };
  }

  /** Drops every cached token (e.g. after an identity change was observed). */
  clearCache(): void {
    this.#cache.clear();
  }

  /** Stops in-flight calls (their callers get NMI_CLIENT_CLOSED) and closes the connection pool. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#closing.abort('closed' satisfies InterruptReason);
    this.#cache.clear();
    await this.#agent.destroy();
  }

  /** The token and its identity, from the cache, a shared in-flight call or a new NMI call. */
  async #acquire(
    pod: PodRef,
    clientId: string | undefined,
    credentialDeadline: number | undefined,
    scopes: string | string[],
    options: ResolveIdentityOptions,
  ): Promise<CachedToken> {
    const now = this.#now();
    const resource = resourceFromScopes(scopes);
    const context = (): ErrorContext => ({
      pod,
      resource: resource ?? String(scopes),
      endpoint: this.#endpoint,
      attempts: 0,
      elapsedMs: 0,
    });
    if (resource === undefined) {
      throw new NmiError(
        `cannot ask NMI for a token for scopes ${JSON.stringify(scopes)}: expected exactly one scope naming a resource ` +
          `(pod ${pod.namespace}/${pod.name})`,
        { code: 'NMI_INVALID_SCOPE', pod },
      );
    }
    if (this.#closed) throw closedError(context());
    const signal = options.abortSignal as AbortSignal | undefined;
    if (signal?.aborted) throw abortedError(context());

    const key = JSON.stringify([pod.namespace, pod.name, pod.uid, resource, clientId ?? '']);
    // Without the uid a re-created pod of the same name could be served the old pod's token: no cache.
    const cached = pod.uid === '' ? undefined : this.#cache.get(key, now);
    if (cached !== undefined) {
      this.#env.emit({ type: 'cache', result: 'hit' });
      return { token: { ...cached.token }, identity: { ...cached.identity } };
    }

    let deadline = credentialDeadline ?? now + this.#budgetMs;
    const timeout = options.requestOptions?.timeout;
    if (typeof timeout === 'number' && timeout > 0) deadline = Math.min(deadline, now + timeout);
    if (deadline <= now)
      throw timeoutError({ ...context(), note: 'the deadline had passed before asking NMI' });

    // This caller leaves at its own deadline or abort; the call goes on while another caller waits.
    const leave = new AbortController();
    let atOwnDeadline: NmiError | undefined;
    let call: TokenFlight | undefined;
    const onAbort = (): void => leave.abort('abandoned' satisfies InterruptReason);
    signal?.addEventListener('abort', onAbort, { once: true });
    const cancelTimer = atDeadline(
      () => deadline,
      this.#now,
      () => {
        atOwnDeadline = call?.deadlineError() ?? timeoutError(context());
        // The last caller's deadline is the call's: it then ends as a timeout, not an abandonment.
        const reason: InterruptReason =
          call === undefined || deadline >= call.deadline ? 'deadline' : 'abandoned';
        leave.abort(reason);
      },
    );
    try {
      const joined = this.#flights.run(
        key,
        { signal: leave.signal, deadline },
        (shared) => {
          this.#env.emit({ type: 'cache', result: 'miss' });
          return this.#startCall(key, pod, resource, clientId, shared);
        },
        () => this.#env.emit({ type: 'cache', result: 'shared' }),
      );
      call = this.#calls.get(key);
      const token = await joined;
      return this.#cachedToken(token);
    } catch (error) {
      if (!leave.signal.aborted || error !== leave.signal.reason) throw error;
      throw atOwnDeadline ?? abortedError(call?.context() ?? context());
    } finally {
      cancelTimer();
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** The NMI call for `key`; its token is cached before any caller resumes, a failure never is. */
  #startCall(
    key: string,
    pod: PodRef,
    resource: string,
    clientId: string | undefined,
    shared: SharedCall,
  ): Promise<NmiToken> {
    let url = `${this.#endpoint}/host/token/?resource=${encodeURIComponent(resource)}`;
    if (clientId !== undefined) url += `&client_id=${encodeURIComponent(clientId)}`;
    const call = new TokenFlight(this.#env, { pod, resource, clientId, url }, shared, this.#closing.signal);
    this.#calls.set(key, call);
    return call.result
      .then((token) => {
        if (!this.#closed && pod.uid !== '') {
          this.#cache.set(key, this.#cachedToken(token), this.#servableUntil(token), this.#now());
        }
        return token;
      })
      .finally(() => {
        if (this.#calls.get(key) === call) this.#calls.delete(key);
      });
  }

  /** The earlier of expiry minus the margin and max-age after NMI's answer. */
  #servableUntil(token: NmiToken): number {
    return Math.min(token.expiresOnMs - this.#cacheMarginMs, token.receivedAtMs + this.#maxTokenAgeMs);
  }

  #cachedToken(token: NmiToken): CachedToken {
    const refreshAfter = this.#servableUntil(token);
    const claims = identityClaimsOf(token.accessToken);
    return {
      token: {
        token: token.accessToken,
        expiresOnTimestamp: token.expiresOnMs,
        tokenType: 'Bearer',
        // The SDK's token cycler refreshes when this passes, which is when our cache stops serving it.
        ...(refreshAfter > this.#now() ? { refreshAfterTimestamp: refreshAfter } : {}),
      },
      identity: { clientId: token.clientId, tenantId: claims.tenantId, objectId: claims.objectId },
    };
  }
}

/** Which part of `actual` differs from `expected`; a part `expected` does not name is not compared. */
function identityMismatch(expected: NmiIdentity, actual: NmiIdentity): string | undefined {
  if (expected.clientId.toLowerCase() !== actual.clientId.toLowerCase()) return 'client id';
  if (expected.tenantId !== undefined && expected.tenantId !== actual.tenantId) return 'tenant';
  if (expected.objectId !== undefined && expected.objectId !== actual.objectId) return 'object id';
  return undefined;
}

/** Client and object ids redacted as the reference logs them; the tenant is not a secret. */
function describeIdentity(identity: NmiIdentity): string {
  const parts = [`client id ${redact(identity.clientId)}`];
  if (identity.tenantId !== undefined) parts.push(`tenant ${identity.tenantId}`);
  if (identity.objectId !== undefined) parts.push(`object id ${redact(identity.objectId)}`);
  return `identity ${parts.join(', ')}`;
}

function normalizeEndpoint(endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new NmiError(`invalid NMI endpoint ${JSON.stringify(endpoint)}: not a URL`, {
      code: 'NMI_INVALID_OPTIONS',
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new NmiError(`invalid NMI endpoint ${JSON.stringify(endpoint)}: expected http://host:port`, {
      code: 'NMI_INVALID_OPTIONS',
    });
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) {
    throw new NmiError(`invalid NmiClient option ${name}: ${value} (expected a finite number ≥ 0)`, {
      code: 'NMI_INVALID_OPTIONS',
    });
  }
  return value;
}

function atLeastOne(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new NmiError(`invalid NmiClient option ${name}: ${value} (expected an integer ≥ 1)`, {
      code: 'NMI_INVALID_OPTIONS',
    });
  }
  return value;
}

function fraction(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0 || value > 1) {
    throw new NmiError(`invalid NmiClient option ${name}: ${value} (expected 0..1)`, {
      code: 'NMI_INVALID_OPTIONS',
    });
  }
  return value;
}
