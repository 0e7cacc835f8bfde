import type { AccessToken } from '@azure/core-auth';

interface Entry {
  readonly token: AccessToken;
  readonly validUntil: number;
}

/**
 * Tokens by (pod namespace, name, uid, resource, client id), each valid until its expiry minus
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

  get(key: string, now: number): AccessToken | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.validUntil <= now) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry.token;
  }

  set(key: string, token: AccessToken, validUntil: number, now: number): void {
    if (validUntil <= now) return;
    this.#entries.delete(key);
    if (this.#entries.size >= this.#maxEntries) this.#evict(now);
    this.#entries.set(key, { token, validUntil });
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
