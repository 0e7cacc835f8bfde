import type { SecretClientOptions } from '@azure/keyvault-secrets';

/**
 * Options passed to every SDK client (`SecretClient`, `KeyClient`, `CertificateClient`). The SDK's
 * default pipeline is kept, so `HTTPS_PROXY`/`NO_PROXY` and `NODE_EXTRA_CA_CERTS` apply as usual.
 * `disableChallengeResourceVerification` is for loopback test vaults only.
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
  | { readonly type: 'chain-incomplete'; readonly objectName: string };

export interface KeyVaultFetcherOptions {
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
