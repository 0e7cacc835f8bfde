import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import type { IdentityErrorContext } from '../credentials/translate-identity-error.js';
import { translateTokenProxyError } from './token-proxy-error.js';
import type { TokenProxyHttpClient } from './token-proxy-transport.js';

/**
 * The SDK's ClientAssertionCredential of one identity-binding identity, with the HTTP client it
 * sends through: each token request starts with a clean record of the proxy exchange, so its
 * failure names what the proxy did this time (TLS, unreachable, busy) rather than MSAL's
 * `network_error`.
 */
export class IdentityBindingCredential implements TokenCredential {
  readonly #inner: TokenCredential;
  readonly #client: TokenProxyHttpClient;
  readonly #context: IdentityErrorContext;

  constructor(inner: TokenCredential, client: TokenProxyHttpClient, context: IdentityErrorContext) {
    this.#inner = inner;
    this.#client = client;
    this.#context = context;
  }

  async getToken(scopes: string | string[], options: GetTokenOptions = {}): Promise<AccessToken | null> {
    this.#client.reset();
    try {
      return await this.#inner.getToken(scopes, options);
    } catch (error) {
      throw translateTokenProxyError(error, this.#client, this.#client.settings, this.#context);
    }
  }
}
