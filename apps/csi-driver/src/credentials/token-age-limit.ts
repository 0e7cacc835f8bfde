import type { AccessToken } from '@azure/core-auth';

/** `--token-cache-max-age`'s default: 5 minutes. */
export const DEFAULT_TOKEN_CACHE_MAX_AGE_MS = 5 * 60_000;

/**
 * How long a token (or a credential holding tokens) may be reused after it was issued before its
 * source is asked again: flag `--token-cache-max-age`. The reference asks on every mount, so a
 * removed identity binding, a revoked secret or a deleted federated credential takes effect at
 * once; caching trades that for fewer calls, and this bounds the trade: a revocation is seen at
 * most this long after the last token was issued, not at the token's expiry (up to 24 h). One
 * policy for every cache of tokens in the process — NMI's (as `NmiClientOptions.maxTokenAgeMs`),
 * the service-principal, workload-identity and identity-binding credentials' — with the clock passed in.
 */
export class TokenAgeLimit {
  readonly maxAgeMs: number;
  readonly now: () => number;

  constructor(maxAgeMs: number = DEFAULT_TOKEN_CACHE_MAX_AGE_MS, now: () => number = Date.now) {
    if (!Number.isFinite(maxAgeMs) || maxAgeMs < 0) {
      throw new RangeError(`token max age must be a finite number of milliseconds ≥ 0, got ${maxAgeMs}`);
    }
    this.maxAgeMs = maxAgeMs;
    this.now = now;
  }

  /** The moment something issued at `issuedAtMs` stops being servable. */
  servableUntil(issuedAtMs: number): number {
    return issuedAtMs + this.maxAgeMs;
  }

  /** Whether something issued at `issuedAtMs` may still be served now. */
  allows(issuedAtMs: number): boolean {
    return this.now() < this.servableUntil(issuedAtMs);
  }

  /**
   * The token as an SDK client may keep it: its expiry and refresh time no later than the limit
   * allows. The SDK's token cycler must then come back to the credential (and so to Azure AD or
   * NMI) once the limit passes, instead of reusing the token until its real expiry; and a failed
   * refresh after the limit fails the request instead of being retried until the real expiry.
   */
  clamp(token: AccessToken, issuedAtMs: number): AccessToken {
    const until = this.servableUntil(issuedAtMs);
    if (token.expiresOnTimestamp <= until) return token;
    const refreshAfter = Math.min(token.refreshAfterTimestamp ?? until, until);
    return { ...token, expiresOnTimestamp: until, refreshAfterTimestamp: refreshAfter };
  }
}
