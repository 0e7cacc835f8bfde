import type { ProxySettings } from '@azure/core-rest-pipeline';
import { EnvHttpProxyAgent } from 'undici';

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
  connectionsPerOrigin: number,
  env: NodeJS.ProcessEnv = process.env,
): EnvHttpProxyAgent {
  const explicit = proxyOptions ? proxyUrl(proxyOptions) : undefined;
  // The SDK's order for https URLs: HTTPS_PROXY, then ALL_PROXY, then HTTP_PROXY.
  const httpsProxy = env.https_proxy || env.HTTPS_PROXY;
  const allProxy = httpsProxy ? undefined : env.ALL_PROXY || env.all_proxy || undefined;
  // A bound per origin: without one the pool opens a new connection whenever a request is
  // dispatched in the same tick as another one's completion, and grows past the real concurrency.
  const pool = { connections: connectionsPerOrigin };
  if (explicit) return new EnvHttpProxyAgent({ ...pool, httpProxy: explicit, httpsProxy: explicit });
  return new EnvHttpProxyAgent(allProxy ? { ...pool, httpsProxy: allProxy } : pool);
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
