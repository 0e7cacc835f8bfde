import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';

/** How many parse results a cache keeps, and how much source text may stand behind them. */
export interface ParseCacheLimits {
  readonly maxEntries: number;
  /** UTF-16 bytes of the source texts behind the kept results (parsed values share their memory). */
  readonly maxWeightBytes: number;
}

interface Entry<T> {
  readonly outcome: T;
  readonly weight: number;
}

/**
 * Parse results by content: every pod of a SecretProviderClass sends the same texts, so they are
 * parsed (and validated) once; a hostile text sent again costs a hash. Keyed by the SHA-256 of the
 * texts (each length-prefixed, so two texts cannot run into each other) plus whatever else changes
 * the outcome; least recently used out first; a result heavier than the whole budget is answered
 * and not kept. Errors are outcomes too and are cached like results.
 */
export class ParseCache<T> {
  readonly #cache: LRUCache<string, Entry<T>, () => Entry<T>>;
  #hits = 0;
  #misses = 0;

  constructor(limits: ParseCacheLimits) {
    this.#cache = new LRUCache<string, Entry<T>, () => Entry<T>>({
      max: limits.maxEntries,
      maxSize: limits.maxWeightBytes,
      sizeCalculation: (entry) => entry.weight,
      memoMethod: (_key, _stale, { context }) => context(),
    });
  }

  /**
   * The outcome for `texts` and `variant` (the settings that change it), parsed now by `parse` or
   * earlier. `weighed` is the text whose size the entry counts against the budget.
   */
  outcome(texts: readonly string[], variant: string, weighed: string, parse: () => T): T {
    const hash = createHash('sha256');
    for (const text of texts) hash.update(`${text.length}:`).update(text);
    const key = `${hash.digest('base64url')}:${variant}`;
    let parsed = false;
    const entry = this.#cache.memo(key, {
      context: () => {
        parsed = true;
        return { outcome: parse(), weight: Math.max(1, weighed.length * 2) };
      },
    });
    if (parsed) this.#misses++;
    else this.#hits++;
    return entry.outcome;
  }

  get stats(): { readonly hits: number; readonly misses: number; readonly entries: number } {
    return { hits: this.#hits, misses: this.#misses, entries: this.#cache.size };
  }
}
