import type { AccessToken } from '@azure/core-auth';
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
 */
export class TokenCache {
  readonly #entries = new Map<string, Entry>();
  readonly #maxEntries: number;

  constructor(maxEntries: number) {
    this.#maxEntries = maxEntries;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: string, now: number): CachedToken | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.validUntil <= now) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry.value;
  }

  set(key: string, value: CachedToken, validUntil: number, now: number): void {
    if (validUntil <= now) return;
    this.#entries.delete(key);
    if (this.#entries.size >= this.#maxEntries) this.#evict(now);
    this.#entries.set(key, { value, validUntil });
  }

  clear(): void {
    this.#entries.clear();
  }

  #evict(now: number): void {
    for (const [key, entry] of this.#entries) if (entry.validUntil <= now) this.#entries.delete(key);
    for (const key of this.#entries.keys()) {
      if (this.#entries.size < this.#maxEntries) break;
      this.#entries.delete(key);
    }
  }
}
