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

export interface KeyVaultFetcherOptions {
  /** Default `undici`; `sdk` falls back to the SDK's own HTTP client. */
  readonly transport?: KeyVaultTransport;
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
