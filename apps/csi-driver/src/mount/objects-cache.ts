import { createHash } from 'node:crypto';
import { type ObjectsOutcome, parseObjectsOutcome } from '@keyvault-csi/spc';
import { LRUCache } from 'lru-cache';

/** Distinct `objects` texts kept (one per SecretProviderClass in use on the node, typically). */
const MAX_ENTRIES = 256;
/** UTF-16 bytes of the texts behind the kept outcomes (parsed objects share the text's memory). */
const MAX_WEIGHT_BYTES = 4 * 1024 * 1024;

/**
 * Parse results of `objects` texts by content: every pod of a SecretProviderClass sends the same
 * text, so it is parsed (and validated) once; a hostile text sent again costs a hash. Keyed by the
 * SHA-256 of the text with the default file mode and the object cap, which change the outcome.
 */
export class ObjectsCache {
  // memo(): the outcome for a key, or the one its `context` parses; weighed by the UTF-16 size at
  // the key's end; one heavier than the whole budget is answered and not kept.
  readonly #cache = new LRUCache<string, ObjectsOutcome, () => ObjectsOutcome>({
    max: MAX_ENTRIES,
    maxSize: MAX_WEIGHT_BYTES,
    sizeCalculation: (_outcome, key) => Number(key.slice(key.lastIndexOf(':') + 1)),
    memoMethod: (_key, _stale, { context }) => context(),
  });
  readonly #maxObjects: number;
  // Fixed per daemon (a flag), so it need not be part of the key.
  readonly #writeCertAndKeyInSeparateFiles: boolean;
  #hits = 0;
  #misses = 0;

  constructor(options: { readonly maxObjects: number; readonly writeCertAndKeyInSeparateFiles?: boolean }) {
    this.#maxObjects = options.maxObjects;
    this.#writeCertAndKeyInSeparateFiles = options.writeCertAndKeyInSeparateFiles ?? false;
  }

  /** The outcome for `text` (trimmed, non-empty), parsed now or earlier. */
  outcome(text: string, defaultFileMode: number): ObjectsOutcome {
    const digest = createHash('sha256').update(text).digest('base64url');
    const key = `${digest}:${defaultFileMode}:${this.#maxObjects}:${text.length * 2}`;
    let parsed = false;
    const outcome = this.#cache.memo(key, {
      context: () => {
        parsed = true;
        return parseObjectsOutcome(text, defaultFileMode, {
          maxObjects: this.#maxObjects,
          writeCertAndKeyInSeparateFiles: this.#writeCertAndKeyInSeparateFiles,
        });
      },
    });
    if (parsed) this.#misses++;
    else this.#hits++;
    return outcome;
  }

  get stats(): { readonly hits: number; readonly misses: number; readonly entries: number } {
    return { hits: this.#hits, misses: this.#misses, entries: this.#cache.size };
  }
}
