import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';

/**
 * A cached credential shared by every mount of one identity: concurrent getToken calls for the
 * same request (the secrets, keys and certificates clients of a first mount challenge at once)
 * share one call, so Azure AD or IMDS is asked once; the credential's own token cache answers
 * the later ones.
 */
export class SharedCredential implements TokenCredential {
  readonly #inner: TokenCredential;
  readonly #inFlight = new Map<string, Promise<AccessToken | null>>();

  constructor(inner: TokenCredential) {
    this.#inner = inner;
  }

  getToken(scopes: string | string[], options: GetTokenOptions = {}): Promise<AccessToken | null> {
    const key = JSON.stringify([
      [scopes].flat(),
      options.tenantId ?? '',
      options.claims ?? '',
      options.enableCae ?? false,
    ]);
    const pending = this.#inFlight.get(key);
    if (pending !== undefined) return pending;
    const call = this.#inner.getToken(scopes, options).finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, call);
    return call;
  }
}
