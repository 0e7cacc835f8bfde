import { CredentialError } from '../credentials/credential-error.js';
import type { TokenProxySettings } from './token-proxy-settings.js';
import { TokenProxyTransport } from './token-proxy-transport.js';

/**
 * The outcome of the identity-binding start-up, for mounts: the one transport to the token proxy,
 * or the stored start-up error, which only identity-binding mounts report (other modes never ask).
 */
export class TokenProxyAccess {
  readonly #startup: (() => Promise<TokenProxySettings>) | undefined;
  #transport: Promise<TokenProxyTransport> | undefined;
  #built: TokenProxyTransport | undefined;

  /**
   * `startup` gives the start-up's outcome (the daemon begins it when it starts; the one-shot
   * `mount` command on first use); undefined: identity binding was not set up in this process.
   */
  constructor(startup: (() => Promise<TokenProxySettings>) | undefined) {
    this.#startup = startup;
  }

  /**
   * The transport; throws CredentialError TOKEN_PROXY_NOT_AVAILABLE with the reference's
   * `failed to get keyvault client: proxy transport not available: <start-up error>`.
   */
  transport(): Promise<TokenProxyTransport> {
    this.#transport ??= this.#build();
    return this.#transport;
  }

  close(): void {
    this.#built?.close();
  }

  async #build(): Promise<TokenProxyTransport> {
    if (this.#startup === undefined) {
      throw new CredentialError(
        'TOKEN_PROXY_NOT_AVAILABLE',
        'failed to get keyvault client: identity binding proxy transport not initialized (call SetProxyTransport during startup)',
      );
    }
    let settings: TokenProxySettings;
    try {
      settings = await this.#startup();
    } catch (error) {
      throw new CredentialError(
        'TOKEN_PROXY_NOT_AVAILABLE',
        `failed to get keyvault client: proxy transport not available: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    this.#built = new TokenProxyTransport(settings);
    return this.#built;
  }
}
