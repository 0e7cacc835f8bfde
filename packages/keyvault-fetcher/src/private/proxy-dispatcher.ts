import type { ProxySettings } from '@azure/core-rest-pipeline';
import { EnvHttpProxyAgent, Pool } from 'undici';
import { createMultiplexingClient } from './multiplexing-client.js';

/** HTTP versions the fetcher may speak to Key Vault: `2` offers h2 and falls back to 1.1 by ALPN. */
export type KeyVaultHttpVersion = '2' | '1.1';

/** How often an HTTP/2 connection is PINGed, and the watchdog's check interval (dead in 2–3 of them). */
export const DEFAULT_H2_PING_INTERVAL_MS = 5_000;

export interface DispatcherSettings {
  readonly connectionsPerOrigin: number;
  readonly httpVersion: KeyVaultHttpVersion;
  readonly pingIntervalMs: number;
}

/**
 * The one keep-alive dispatcher of a fetcher: a connection pool per origin, and through a proxy a
 * pool of CONNECT tunnels per origin, reused by every SDK client of the fetcher. At most
 * `connectionsPerOrigin` connections per vault host (the fetcher's `maxConcurrency`).
 *
 * Proxy selection is undici's `EnvHttpProxyAgent`: `https_proxy` ?? `HTTPS_PROXY` for https URLs,
 * falling back to `http_proxy` ?? `HTTP_PROXY`, read once here; `no_proxy` ?? `NO_PROXY` re-read
 * per request. Two things are added so users of the SDK's own proxy policy see no change:
 * `ALL_PROXY`/`all_proxy` for https URLs when no `HTTPS_PROXY` is set (the SDK's order), and the client option
 * `proxyOptions` as the proxy (the SDK's explicit proxy settings win over the environment).
 */
export function createProxyDispatcher(
  proxyOptions: ProxySettings | undefined,
  settings: DispatcherSettings,
  env: NodeJS.ProcessEnv = process.env,
): EnvHttpProxyAgent {
  const explicit = proxyOptions ? proxyUrl(proxyOptions) : undefined;
  // The SDK's order for https URLs: HTTPS_PROXY, then ALL_PROXY, then HTTP_PROXY.
  const httpsProxy = env.https_proxy || env.HTTPS_PROXY;
  const allProxy = httpsProxy ? undefined : env.ALL_PROXY || env.all_proxy || undefined;
  // A bound per origin: without one the pool opens a new connection whenever a request is
  // dispatched in the same tick as another one's completion, and grows past the real concurrency.
  const pool = { connections: settings.connectionsPerOrigin, ...http2Options(settings) };
  if (explicit) return new EnvHttpProxyAgent({ ...pool, httpProxy: explicit, httpsProxy: explicit });
  return new EnvHttpProxyAgent(allProxy ? { ...pool, httpsProxy: allProxy } : pool);
}

/**
 * With HTTP/2 every pool offers `h2` by ALPN (Key Vault accepts it; a server or TLS-terminating
 * proxy that does not falls back to HTTP/1.1), so the requests of all mounts to one vault host are
 * multiplexed on one connection: one CONNECT tunnel and one TLS handshake instead of one per
 * concurrent request. Behind a proxy the TLS to the vault is made by the ProxyAgent's own
 * connector, which offers `h2` only when `requestTls.allowH2` is set as well; without it the pool
 * would speak HTTP/1.1. Each pool's clients carry many requests per connection once h2 is
 * negotiated, and close a connection that stops answering PINGs (multiplexing-client.ts).
 */
function http2Options(settings: DispatcherSettings): Record<string, unknown> {
  if (settings.httpVersion === '1.1') return {};
  const interval = settings.pingIntervalMs;
  return {
    allowH2: true,
    pingInterval: interval,
    requestTls: { allowH2: true },
    // The pool builds each client's connector (TLS with ALPN h2); the client learns the protocol.
    factory: (origin: string | URL, options: Record<string, unknown>) =>
      new Pool(origin, {
        ...options,
        factory: (url: URL, clientOptions: object) =>
          createMultiplexingClient(url, clientOptions as Record<string, unknown>, interval),
      }),
  };
}

/** The SDK's `ProxySettings` (`host` with scheme, `port`, credentials) as a proxy URL. */
function proxyUrl(settings: ProxySettings): string {
  let url: URL;
  try {
    url = new URL(settings.host);
  } catch {
    throw new TypeError(
      `clientOptions.proxyOptions.host must be a URL such as http://proxy.example:3128, got "${settings.host}"`,
    );
  }
  url.port = String(settings.port);
  if (settings.username) url.username = encodeURIComponent(settings.username);
  if (settings.password) url.password = encodeURIComponent(settings.password);
  return url.href;
}
