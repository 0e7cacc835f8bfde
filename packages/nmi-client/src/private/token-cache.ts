import type { AccessToken } from '@azure/core-auth';
import { LRUCache } from 'lru-cache';
import type { NmiIdentity } from '../nmi-identity.js';

/** A token with the identity NMI issued it for. */
export interface CachedToken {
  readonly token: AccessToken;
  readonly identity: NmiIdentity;
}

interface Entry {
  readonly value: CachedToken;
  readonly validUntil: number;
}

/**
 * Tokens and their identities by (pod namespace, name, uid, resource, client id), each valid until its expiry minus
 * the safety margin. Bounded: when full, expired entries go first, then the least recently used.
 *
 * The LRU order and the count bound are lru-cache's. Validity is checked here against the caller's
 * clock rather than with lru-cache's `ttl`: a token is gone AT `validUntil` (lru-cache keeps an entry
 * through its last millisecond), and lru-cache reads a start time of 0 as "no TTL".
 */
export class TokenCache {
  readonly #entries: LRUCache<string, Entry>;

  constructor(maxEntries: number) {
    this.#entries = new LRUCache({ max: maxEntries });
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: string, now: number): CachedToken | undefined {
    const entry = this.#entries.peek(key);
    if (entry === undefined || entry.validUntil <= now) return undefined;
    this.#entries.get(key);
    return entry.value;
  }

  set(key: string, value: CachedToken, validUntil: number, now: number): void {
    if (validUntil <= now) return;
    this.#entries.delete(key);
    if (this.#entries.size >= this.#entries.max) {
      const expired = [...this.#entries.entries()].filter(([, entry]) => entry.validUntil <= now);
      for (const [expiredKey] of expired) this.#entries.delete(expiredKey);
    }
    this.#entries.set(key, { value, validUntil });
  }

  clear(): void {
    this.#entries.clear();
  }
}
