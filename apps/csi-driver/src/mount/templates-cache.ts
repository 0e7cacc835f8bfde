import { createHash } from 'node:crypto';
import { type KeyVaultObject, parseTemplatesOutcome, type TemplatesOutcome } from '@keyvault-csi/spc';
import { TemplateCache } from '@keyvault-csi/templates';
import { LRUCache } from 'lru-cache';

/** Distinct (`objects`, `templates`) pairs kept: one per SecretProviderClass with templates, typically. */
const MAX_ENTRIES = 256;
/** UTF-16 bytes of the template texts behind the kept outcomes (compiled code grows with them). */
const MAX_WEIGHT_BYTES = 2 * 1024 * 1024;

/**
 * Parse results of `templates` texts by content, as `ObjectsCache` keeps those of `objects`: every
 * pod of a class sends the same texts, so its templates are parsed, checked against the objects'
 * paths and compiled once; a hostile text sent again costs a hash. The outcome depends on the
 * objects (their paths), so the key covers both texts, the default file mode and the object cap;
 * the split-file flag is fixed per daemon. Below it, compiled templates are shared by text
 * (`TemplateCache`): a class whose objects change keeps its compiled templates.
 */
export class TemplatesCache {
  // memo(): the outcome for a key, or the one its `context` parses; weighed by the UTF-16 size at
  // the key's end; one heavier than the whole budget is answered and not kept.
  readonly #cache = new LRUCache<string, TemplatesOutcome, () => TemplatesOutcome>({
    max: MAX_ENTRIES,
    maxSize: MAX_WEIGHT_BYTES,
    sizeCalculation: (_outcome, key) => Number(key.slice(key.lastIndexOf(':') + 1)),
    memoMethod: (_key, _stale, { context }) => context(),
  });
  readonly #compiled = new TemplateCache();
  readonly #maxObjects: number;
  readonly #writeCertAndKeyInSeparateFiles: boolean;
  #hits = 0;
  #misses = 0;

  constructor(options: { readonly maxObjects: number; readonly writeCertAndKeyInSeparateFiles?: boolean }) {
    this.#maxObjects = options.maxObjects;
    this.#writeCertAndKeyInSeparateFiles = options.writeCertAndKeyInSeparateFiles ?? false;
  }

  /**
   * The outcome for `templatesText` (trimmed, non-empty) next to `objects`, the validated objects
   * of `objectsText` (parsed now or earlier).
   */
  outcome(
    templatesText: string,
    objectsText: string,
    defaultFileMode: number,
    objects: readonly KeyVaultObject[],
  ): TemplatesOutcome {
    const digest = createHash('sha256')
      .update(`${objectsText.length}:`)
      .update(objectsText)
      .update(templatesText)
      .digest('base64url');
    const key = `${digest}:${defaultFileMode}:${this.#maxObjects}:${templatesText.length * 2}`;
    let parsed = false;
    const outcome = this.#cache.memo(key, {
      context: () => {
        parsed = true;
        return parseTemplatesOutcome(templatesText, defaultFileMode, objects, {
          writeCertAndKeyInSeparateFiles: this.#writeCertAndKeyInSeparateFiles,
          compile: this.#compiled.compile,
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
