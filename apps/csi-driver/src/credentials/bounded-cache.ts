/**
 * A Map bounded by entry count, and optionally by a total weight (e.g. bytes), that evicts the
 * least recently used entries.
 */
export class BoundedCache<V> {
  readonly #entries = new Map<string, { value: V; weight: number }>();
  readonly #maxEntries: number;
  readonly #maxWeight: number;
  readonly #weigh: (value: V, key: string) => number;
  #weight = 0;

  constructor(
    maxEntries: number,
    options: { readonly maxWeight?: number; readonly weigh?: (value: V, key: string) => number } = {},
  ) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new RangeError(`maxEntries must be a positive integer, got ${maxEntries}`);
    }
    this.#maxEntries = maxEntries;
    this.#maxWeight = options.maxWeight ?? Number.POSITIVE_INFINITY;
    this.#weigh = options.weigh ?? (() => 0);
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Sum of the weights of the entries kept. */
  get weight(): number {
    return this.#weight;
  }

  getOrCreate(key: string, create: () => V): V {
    const existing = this.#entries.get(key);
    if (existing !== undefined) {
      this.#entries.delete(key);
      this.#entries.set(key, existing);
      return existing.value;
    }
    const value = create();
    const weight = this.#weigh(value, key);
    // Heavier than the whole cache: answered, never kept.
    if (weight > this.#maxWeight) return value;
    this.#entries.set(key, { value, weight });
    this.#weight += weight;
    while (this.#entries.size > this.#maxEntries || this.#weight > this.#maxWeight) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      this.#weight -= this.#entries.get(oldest.value)?.weight ?? 0;
      this.#entries.delete(oldest.value);
    }
    return value;
  }
}
