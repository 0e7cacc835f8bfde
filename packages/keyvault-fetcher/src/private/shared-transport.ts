import type { HttpClient } from '@azure/core-rest-pipeline';
import type { EnvHttpProxyAgent } from 'undici';
import type { KeyVaultClientOptions, KeyVaultTransport } from '../options.js';
import { createProxyDispatcher, type DispatcherSettings } from './proxy-dispatcher.js';
import { UndiciHttpClient } from './undici-http-client.js';

/**
 * The HTTP client every SDK client of one fetcher is given. With `undici` it is created on first
 * use (when the first SDK client is built, the moment the SDK itself would read the proxy
 * environment) and shared; `close()` closes its connections. With `sdk`, or when the caller passes
 * its own `httpClient`, the SDK clients get no override.
 */
export class SharedTransport {
  #dispatcher: EnvHttpProxyAgent | undefined;
  #client: HttpClient | undefined;
  #closed = false;

  constructor(
    private readonly transport: KeyVaultTransport,
    private readonly clientOptions: KeyVaultClientOptions,
    private readonly settings: DispatcherSettings,
  ) {
    if (transport !== 'undici' && transport !== 'sdk')
      throw new TypeError(`transport must be 'undici' or 'sdk', got ${JSON.stringify(transport)}`);
    if (settings.httpVersion !== '2' && settings.httpVersion !== '1.1')
      throw new TypeError(`httpVersion must be '2' or '1.1', got ${JSON.stringify(settings.httpVersion)}`);
    if (!Number.isSafeInteger(settings.pingIntervalMs) || settings.pingIntervalMs < 100)
      throw new TypeError(`http2PingIntervalMs must be an integer ≥ 100, got ${settings.pingIntervalMs}`);
    if (transport === 'undici' && !clientOptions.httpClient) {
      // Both only reach the SDK's node:https client; ours would silently drop them.
      for (const option of ['agent', 'tlsOptions'] as const) {
        if (clientOptions[option] !== undefined)
          throw new TypeError(
            `clientOptions.${option} is not supported with transport 'undici' (trust comes from Node's CA store and NODE_EXTRA_CA_CERTS); use transport: 'sdk'`,
          );
      }
    }
  }

  /** The `httpClient` client option for a new SDK client, or undefined to keep the SDK's. */
  httpClient(): HttpClient | undefined {
    if (this.transport === 'sdk' || this.clientOptions.httpClient) return undefined;
    if (this.#closed) throw new Error('KeyVaultFetcher is closed');
    if (!this.#client) {
      this.#dispatcher = createProxyDispatcher(this.clientOptions.proxyOptions, this.settings);
      this.#client = new UndiciHttpClient(this.#dispatcher);
    }
    return this.#client;
  }

  /** Closes pooled connections after in-flight requests finish; later requests fail. */
  async close(): Promise<void> {
    this.#closed = true;
    const dispatcher = this.#dispatcher;
    this.#dispatcher = undefined;
    if (dispatcher) await dispatcher.close();
  }
}
