import { LRUCache } from 'lru-cache';

/** How the content cache behaves; every duration in milliseconds. */
export interface ContentCacheSettings {
  /** A stored answer is served instead of asking Key Vault while younger than this (0: never). */
  readonly ttlMs: number;
  /**
   * A stored answer may stand in for a failed read (5xx, 429 after retries, timeout, network
   * error) while younger than this (0: never). Independent of `ttlMs`.
   */
  readonly staleOnErrorMs: number;
  /** Sum of the entries' estimated sizes kept at most; the least recently used leave first. */
  readonly maxBytes: number;
}

export interface StaleEntry<T> {
  readonly value: T;
  readonly ageMs: number;
  /** True the first time this entry stands in for a failure since it was fetched. */
  readonly firstStaleServe: boolean;
}

interface Entry {
  readonly value: unknown;
  readonly fetchedAt: number;
  staleServed: boolean;
}

/** Rough per-entry bookkeeping (the Map slot, the entry object, the key string header). */
const ENTRY_OVERHEAD_BYTES = 160;

/**
 * What Key Vault answered, by the caller's key (the fetcher's keys start with the identity key, so
 * one identity's entries never answer another's read). Bounded by estimated bytes rather than by
 * count: one certificate bundle can weigh as much as a thousand small secrets.
 *
 * An entry lives for max(ttl, stale window) after it was fetched; expired entries are dropped when
 * read and, from the least recently used end, whenever a new entry is stored. Errors are never
 * stored: only `store` adds entries, and the fetcher calls it with successful answers only.
 *
 * The LRU order and the byte bound are lru-cache's (`maxSize`; an entry above it is not kept). The
 * ages are kept here, not with lru-cache's `ttl`: an entry has two windows (fresh, stale) against
 * the injected clock, and lru-cache treats a start time of 0 as "no TTL", which an injected clock
 * may well return.
 */
export class ContentCache {
  readonly #settings: ContentCacheSettings;
  readonly #now: () => number;
  readonly #entries: LRUCache<string, Entry> | undefined;
  readonly #retainMs: number;

  constructor(settings: ContentCacheSettings, now: () => number) {
    for (const [name, value] of Object.entries(settings)) {
      if (!Number.isFinite(value) || value < 0)
        throw new RangeError(`contentCache.${name} must be a finite number ≥ 0, got ${value}`);
    }
    this.#settings = settings;
    this.#now = now;
    this.#retainMs = Math.max(settings.ttlMs, settings.staleOnErrorMs);
    const maxSize = Math.floor(settings.maxBytes);
    this.#entries = this.#retainMs > 0 && maxSize > 0 ? new LRUCache({ maxSize }) : undefined;
  }

  /** Whether anything is ever stored (a TTL or a stale window is set, and there is room). */
  get enabled(): boolean {
    return this.#entries !== undefined;
  }

  /** Whether lookups may be answered from the cache (a TTL is set). */
  get servesHits(): boolean {
    return this.enabled && this.#settings.ttlMs > 0;
  }

  /** Estimated bytes held. */
  get bytes(): number {
    return this.#entries?.calculatedSize ?? 0;
  }

  get entries(): number {
    return this.#entries?.size ?? 0;
  }

  /** The stored answer when it is younger than the TTL; marks it most recently used. */
  fresh<T>(key: string): T | undefined {
    if (this.#settings.ttlMs <= 0) return undefined;
    const entry = this.#live(key);
    if (entry === undefined || this.#now() - entry.fetchedAt >= this.#settings.ttlMs) return undefined;
    this.#entries?.get(key);
    return entry.value as T;
  }

  /** The stored answer when it is younger than the stale window, to stand in for a failed read. */
  stale<T>(key: string): StaleEntry<T> | undefined {
    if (this.#settings.staleOnErrorMs <= 0) return undefined;
    const entry = this.#live(key);
    if (entry === undefined) return undefined;
    const ageMs = this.#now() - entry.fetchedAt;
    if (ageMs >= this.#settings.staleOnErrorMs) return undefined;
    this.#entries?.get(key);
    const firstStaleServe = !entry.staleServed;
    entry.staleServed = true;
    return { value: entry.value as T, ageMs, firstStaleServe };
  }

  /** Keeps a successful answer; one larger than the whole budget is not kept. */
  store(key: string, value: unknown, valueBytes: number): void {
    const entries = this.#entries;
    if (entries === undefined) return;
    entries.delete(key);
    const bytes = Math.ceil(valueBytes) + key.length * 2 + ENTRY_OVERHEAD_BYTES;
    if (bytes > entries.maxSize) return;
    const now = this.#now();
    // The least recently used end holds mostly the oldest fetches: drop the expired ones there.
    for (;;) {
      const oldest = entries.rkeys().next();
      if (oldest.done) break;
      const entry = entries.peek(oldest.value);
      if (entry !== undefined && now - entry.fetchedAt < this.#retainMs) break;
      entries.delete(oldest.value);
    }
    entries.set(key, { value, fetchedAt: now, staleServed: false }, { size: bytes });
  }

  clear(): void {
    this.#entries?.clear();
  }

  /** The entry, unless it has outlived both windows (then it is dropped); recency unchanged. */
  #live(key: string): Entry | undefined {
    const entry = this.#entries?.peek(key);
    if (entry !== undefined && this.#now() - entry.fetchedAt >= this.#retainMs) {
      this.#entries?.delete(key);
      return undefined;
    }
    return entry;
  }
}
