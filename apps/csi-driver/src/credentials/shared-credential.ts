import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import type { TokenAgeLimit } from './token-age-limit.js';

/**
 * A cached credential shared by every mount of one identity: concurrent getToken calls for the
 * same request (the secrets, keys and certificates clients of a first mount challenge at once)
 * share one call, so Azure AD or IMDS is asked once; the credential's own token cache answers
 * the later ones.
 *
 * With an age limit, the inner credential (and with it its in-memory MSAL token cache) is
 * replaced by a new one from `create` once it is older than the limit, so Azure AD is asked again
 * and a revoked secret or federated credential takes effect within the limit. Every token the
 * inner credential returns was issued after the inner credential was created (its cache starts
 * empty), so tokens are clamped to the creation time plus the limit: the SDK's token cycler comes
 * back by then.
 */
export class SharedCredential implements TokenCredential {
  readonly #create: () => TokenCredential;
  readonly #ageLimit: TokenAgeLimit | undefined;
  readonly #inFlight = new Map<string, Promise<AccessToken | null>>();
  #inner: TokenCredential;
  #createdAt: number;

  constructor(create: () => TokenCredential, ageLimit?: TokenAgeLimit) {
    this.#create = create;
    this.#ageLimit = ageLimit;
    this.#inner = create();
    this.#createdAt = ageLimit?.now() ?? 0;
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
    const limit = this.#ageLimit;
    if (limit !== undefined && !limit.allows(this.#createdAt)) {
      // Calls already in flight finish on the old credential; their tokens are clamped to its age.
      try {
        this.#inner = this.#create();
      } catch (error) {
        return Promise.reject(error);
      }
      this.#createdAt = limit.now();
    }
    const createdAt = this.#createdAt;
    const call = this.#inner
      .getToken(scopes, options)
      .then((token) => (token === null || limit === undefined ? token : limit.clamp(token, createdAt)))
      .finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, call);
    return call;
  }
}
