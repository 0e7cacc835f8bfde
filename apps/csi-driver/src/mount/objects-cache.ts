import { type ObjectsOutcome, parseObjectsOutcome } from '@keyvault-csi/spc';
import { ParseCache } from './parse-cache.js';

/**
 * Parse results of `objects` texts by content (`ParseCache`): one SecretProviderClass's text is
 * parsed once for all its pods. The default file mode and the object cap change the outcome and
 * are part of the key; the split-file flag is fixed per daemon.
 */
export class ObjectsCache {
  // One entry per SecretProviderClass in use on the node, typically.
  readonly #cache = new ParseCache<ObjectsOutcome>({ maxEntries: 256, maxWeightBytes: 4 * 1024 * 1024 });
  readonly #maxObjects: number;
  readonly #writeCertAndKeyInSeparateFiles: boolean;

  constructor(options: { readonly maxObjects: number; readonly writeCertAndKeyInSeparateFiles?: boolean }) {
    this.#maxObjects = options.maxObjects;
    this.#writeCertAndKeyInSeparateFiles = options.writeCertAndKeyInSeparateFiles ?? false;
  }

  /** The outcome for `text` (trimmed, non-empty), parsed now or earlier. */
  outcome(text: string, defaultFileMode: number): ObjectsOutcome {
    return this.#cache.outcome([text], `${defaultFileMode}:${this.#maxObjects}`, text, () =>
      parseObjectsOutcome(text, defaultFileMode, {
        maxObjects: this.#maxObjects,
        writeCertAndKeyInSeparateFiles: this.#writeCertAndKeyInSeparateFiles,
      }),
    );
  }

  get stats(): { readonly hits: number; readonly misses: number; readonly entries: number } {
    return this.#cache.stats;
  }
}
