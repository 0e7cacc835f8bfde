import type { SecretClientOptions } from '@azure/keyvault-secrets';

/**
 * Options passed to every SDK client (`SecretClient`, `KeyClient`, `CertificateClient`). The SDK's
 * pipeline policies are kept (retries, challenge auth, proxy); with `transport: 'undici'` (default)
 * the HTTP client under them is the fetcher's pooled transport, which also honours
 * `HTTPS_PROXY`/`NO_PROXY`, `proxyOptions` and `NODE_EXTRA_CA_CERTS`, and refuses `agent` and
 * `tlsOptions`. `disableChallengeResourceVerification` is for loopback test vaults only.
 */
export type KeyVaultClientOptions = Omit<SecretClientOptions, 'serviceVersion' | 'userAgentOptions'>;

/** Observability hooks; never carry values, tokens or object names beyond the type. */
export type FetcherEvent =
  | {
      readonly type: 'request';
      readonly objectType: 'secret' | 'key' | 'cert';
      readonly operation: 'get' | 'list';
      readonly status:
        | 'ok'
        | 'not_found'
        | 'forbidden'
        | 'unauthorized'
        | 'throttled'
        | 'network'
        | 'timeout'
        | 'other';
      readonly durationMs: number;
    }
  | { readonly type: 'coalesced' }
  /**
   * A content cache lookup (only when the cache is on): `hit` answered without Key Vault, `miss`
   * went to Key Vault (or joined an identical request in flight), `stale` a failed read answered
   * from an older entry within the stale-on-error window.
   */
  | {
      readonly type: 'content-cache';
      readonly result: 'hit' | 'miss' | 'stale';
      readonly objectType: 'secret' | 'key' | 'cert';
    }
  /** The content cache's estimated size after it changed. */
  | { readonly type: 'content-cache-size'; readonly bytes: number; readonly entries: number }
  /**
   * The first time an entry stands in for a failed read (once per object until a read succeeds
   * again), for a warning: which object, how old the served answer is and why the read failed.
   */
  | {
      readonly type: 'stale-served';
      readonly objectType: 'secret' | 'key' | 'cert';
      readonly objectName: string;
      readonly vaultHost: string;
      readonly ageMs: number;
      readonly failure: string;
    }
  | { readonly type: 'throttle-retry'; readonly delayMs: number }
  | { readonly type: 'client-created' }
  | { readonly type: 'chain-incomplete'; readonly objectName: string }
  | {
      /** An `optional` object was not found or not readable (extensions.md §1): no file. */
      readonly type: 'object-skipped';
      readonly reason: 'not_found' | 'forbidden' | 'disabled';
      readonly objectIndex: number;
      readonly objectType: 'secret' | 'key' | 'cert';
      readonly objectName: string;
      /** The failure's stable code, e.g. `KV:SecretNotFound`-style `keyVaultCode` or `NOT_FOUND`. */
      readonly code: string;
    };

/**
 * How the SDK clients send requests. `undici`: one keep-alive undici dispatcher per fetcher shared
 * by all its SDK clients (connections and, behind `HTTPS_PROXY`, CONNECT tunnels are reused).
 * `sdk`: the SDK's default node:https client (through a proxy, a new tunnel and TLS handshake per
 * request).
 */
export type KeyVaultTransport = 'undici' | 'sdk';

/**
 * The content cache (extensions §7): what Key Vault answered (objects and version lists), per
 * identity key, vault, object type, name and version. Off unless `ttlMs` or `staleOnErrorMs` is
 * above 0. Errors are never cached.
 */
export interface ContentCacheOptions {
  /** Serve a stored answer without any Key Vault or token request while younger than this (ms). */
  readonly ttlMs: number;
  /**
   * When a read fails with 5xx, 429 after retries, a timeout or a network error, serve the stored
   * answer of the same key while younger than this (ms, counted from when it was fetched). Never
   * on 401, 403 or 404, nor on token failures. Default 0: off.
   */
  readonly staleOnErrorMs?: number;
  /** Estimated bytes kept at most, least recently used out first (default 16 MiB). */
  readonly maxBytes?: number;
}

export interface KeyVaultFetcherOptions {
  /** Default `undici`; `sdk` falls back to the SDK's own HTTP client. */
  readonly transport?: KeyVaultTransport;
  /**
   * With the `undici` transport: `2` (default) offers HTTP/2 by ALPN and multiplexes every request
   * to a vault host on one connection (one CONNECT tunnel, one TLS handshake), falling back to
   * HTTP/1.1 where the server or proxy does not take h2; `1.1` never offers h2 (for proxies that
   * inspect or cannot pass it).
   */
  readonly httpVersion?: '2' | '1.1';
  /**
   * HTTP/2 PING interval (default 5000 ms); a connection that reads nothing for two intervals is
   * closed and its requests retried on a new one.
   */
  readonly http2PingIntervalMs?: number;
  /** Concurrent Key Vault requests per vault URL, across all mounts (default 64). */
  readonly maxConcurrency?: number;
  /** Order PFX certificates leaf → root (`--construct-pem-chain`, default true). */
  readonly constructPemChain?: boolean;
  /** Also write `<file>.crt` and `<file>.key` for certificate-backed secrets (default false). */
  readonly writeCertAndKeyInSeparateFiles?: boolean;
  /** Prepended to the SDK user agent, e.g. `keyvault-csi/0.1.0 my-cluster`. */
  readonly userAgentPrefix?: string;
  readonly clientOptions?: KeyVaultClientOptions;
  /** SDK client sets kept, one per (vault URL, identityKey), least recently used evicted (default 256). */
  readonly maxCachedClients?: number;
  /** Off by default: every fetch reads Key Vault, like the reference. */
  readonly contentCache?: ContentCacheOptions;
  /** Clock for deadlines and Retry-After dates (epoch ms). */
  readonly now?: () => number;
  /** [0, 1) source for backoff jitter. */
  readonly random?: () => number;
  /** Waits between throttling retries; must reject with the signal's reason when it aborts. */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly onEvent?: (event: FetcherEvent) => void;
}

/**
 * Accounts one mount's file bytes as the fetcher produces them (after each object version is
 * converted, before the next one is). `charge` throws or rejects to stop the mount: its outstanding
 * requests are aborted, no further object is converted, and `fetch` rejects with that very error.
 * It may also wait (e.g. for room in a process-wide budget) and should then honour `signal`.
 */
export interface MountByteBudget {
  charge(bytes: number, signal: AbortSignal): void | Promise<void>;
}
