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
 * `ALL_PROXY`/`all_proxy` when none of those is set (the SDK honours it), and the client option
 * `proxyOptions` as the proxy (the SDK's explicit proxy settings win over the environment).
 */
export function createProxyDispatcher(
  proxyOptions: ProxySettings | undefined,
  connectionsPerOrigin: number,
  env: NodeJS.ProcessEnv = process.env,
): EnvHttpProxyAgent {
  const explicit = proxyOptions ? proxyUrl(proxyOptions) : undefined;
  const anyProxy = env.https_proxy || env.HTTPS_PROXY || env.http_proxy || env.HTTP_PROXY;
  const allProxy = anyProxy ? undefined : env.ALL_PROXY || env.all_proxy || undefined;
  const proxy = explicit ?? allProxy;
  // A bound per origin: without one the pool opens a new connection whenever a request is
  // dispatched in the same tick as another one's completion, and grows past the real concurrency.
  const pool = { connections: connectionsPerOrigin };
  return new EnvHttpProxyAgent(proxy ? { ...pool, httpProxy: proxy, httpsProxy: proxy } : pool);
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
