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
  readonly bytes: number;
  readonly fetchedAt: number;
  staleServed: boolean;
}

/** Rough per-entry bookkeeping (the Map slot, the entry object, the key string header). */
const ENTRY_OVERHEAD_BYTES = 160;

/**
 * What Key Vault answered, by the caller's key (the fetcher's keys start with the identity key, so
 * one identity's entries never answer another's read). Bounded by estimated bytes rather than by
 * count: one certificate bundle can weigh as much as a thousand small secrets. The fetcher's
 * LruMap is count-bounded and evicts silently, which cannot keep a byte total, hence this map.
 *
 * An entry lives for max(ttl, stale window) after it was fetched; expired entries are dropped when
 * read and, from the least recently used end, whenever a new entry is stored. Errors are never
 * stored: only `store` adds entries, and the fetcher calls it with successful answers only.
 */
export class ContentCache {
  readonly #settings: ContentCacheSettings;
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry>();
  readonly #retainMs: number;
  #bytes = 0;

  constructor(settings: ContentCacheSettings, now: () => number) {
    for (const [name, value] of Object.entries(settings)) {
      if (!Number.isFinite(value) || value < 0)
        throw new RangeError(`contentCache.${name} must be a finite number ≥ 0, got ${value}`);
    }
    this.#settings = settings;
    this.#now = now;
    this.#retainMs = Math.max(settings.ttlMs, settings.staleOnErrorMs);
  }

  /** Whether anything is ever stored (a TTL or a stale window is set, and there is room). */
  get enabled(): boolean {
    return this.#retainMs > 0 && this.#settings.maxBytes > 0;
  }

  /** Whether lookups may be answered from the cache (a TTL is set). */
  get servesHits(): boolean {
    return this.enabled && this.#settings.ttlMs > 0;
  }

  /** Estimated bytes held. */
  get bytes(): number {
    return this.#bytes;
  }

  get entries(): number {
    return this.#entries.size;
  }

  /** The stored answer when it is younger than the TTL; marks it most recently used. */
  fresh<T>(key: string): T | undefined {
    if (this.#settings.ttlMs <= 0) return undefined;
    const entry = this.#live(key);
    if (entry === undefined || this.#now() - entry.fetchedAt >= this.#settings.ttlMs) return undefined;
    this.#touch(key, entry);
    return entry.value as T;
  }

  /** The stored answer when it is younger than the stale window, to stand in for a failed read. */
  stale<T>(key: string): StaleEntry<T> | undefined {
    if (this.#settings.staleOnErrorMs <= 0) return undefined;
    const entry = this.#live(key);
    if (entry === undefined) return undefined;
    const ageMs = this.#now() - entry.fetchedAt;
    if (ageMs >= this.#settings.staleOnErrorMs) return undefined;
    this.#touch(key, entry);
    const firstStaleServe = !entry.staleServed;
    entry.staleServed = true;
    return { value: entry.value as T, ageMs, firstStaleServe };
  }

  /** Keeps a successful answer; one larger than the whole budget is not kept. */
  store(key: string, value: unknown, valueBytes: number): void {
    if (!this.enabled) return;
    this.#delete(key);
    const bytes = valueBytes + key.length * 2 + ENTRY_OVERHEAD_BYTES;
    if (bytes > this.#settings.maxBytes) return;
    const now = this.#now();
    // The least recently used end holds mostly the oldest fetches: drop the expired ones there.
    for (const [oldKey, entry] of this.#entries) {
      if (now - entry.fetchedAt < this.#retainMs) break;
      this.#delete(oldKey);
    }
    while (this.#bytes + bytes > this.#settings.maxBytes) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      this.#delete(oldest.value);
    }
    this.#entries.set(key, { value, bytes, fetchedAt: now, staleServed: false });
    this.#bytes += bytes;
  }

  clear(): void {
    this.#entries.clear();
    this.#bytes = 0;
  }

  #live(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (entry !== undefined && this.#now() - entry.fetchedAt >= this.#retainMs) {
      this.#delete(key);
      return undefined;
    }
    return entry;
  }

  #touch(key: string, entry: Entry): void {
    this.#entries.delete(key);
    this.#entries.set(key, entry);
  }

  #delete(key: string): void {
    const entry = this.#entries.get(key);
    if (entry === undefined) return;
    this.#entries.delete(key);
    this.#bytes -= entry.bytes;
  }
}
