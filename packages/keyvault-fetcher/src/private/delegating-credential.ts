import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';

/**
 * The credential a cached SDK client is built with. The SDK's challenge policy and token cycler
 * keep calling the credential the client was created with, but our credentials are per mount (they
 * carry the mount's pod and deadline). So the client gets this stable object, and every mount
 * leases its own credential onto it for the duration of the fetch; getToken goes to the most recent
 * lease still active. Clients are cached per (vault, identityKey), and identityKey promises that
 * every leased credential yields a token for the same identity, so a token the cycler cached from
 * an earlier mount stays valid for the next one.
 */
export class DelegatingCredential implements TokenCredential {
  readonly #active: TokenCredential[] = [];
  #last: TokenCredential | undefined;
  readonly #onError: (error: unknown) => void;
  readonly #onToken: () => void;
  #pending = 0;

  /**
   * @param onError sees every error a target credential threw (before it propagates unchanged).
   * @param onToken called after every token handed to the SDK.
   */
  constructor(onError: (error: unknown) => void, onToken: () => void = () => undefined) {
    this.#onError = onError;
    this.#onToken = onToken;
  }

  /** Routes getToken to `credential` until the returned release function is called. */
  lease(credential: TokenCredential): () => void {
    this.#active.push(credential);
    this.#last = credential;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const at = this.#active.lastIndexOf(credential);
      if (at >= 0) this.#active.splice(at, 1);
    };
  }

  /** True while a getToken call is waiting on the target credential (e.g. an NMI request). */
  get tokenPending(): boolean {
    return this.#pending > 0;
  }

  async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
    const target = this.#active.at(-1) ?? this.#last;
    if (target === undefined) throw new Error('no credential leased for this Key Vault client');
    let token: AccessToken | null;
    this.#pending++;
    try {
      token = await target.getToken(scopes, options);
    } catch (error) {
      this.#onError(error);
      throw error;
    } finally {
      this.#pending--;
    }
    if (token) this.#onToken();
    return token;
  }
}
