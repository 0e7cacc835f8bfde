import { type KeyVaultObject, parseTemplatesOutcome, type TemplatesOutcome } from '@keyvault-csi/spc';
import { TemplateCache } from '@keyvault-csi/templates';
import { ParseCache } from './parse-cache.js';

/**
 * Parse results of `templates` texts by content, as `ObjectsCache` keeps those of `objects`: every
 * pod of a class sends the same texts, so its templates are parsed, checked against the objects'
 * paths and compiled once; a hostile text sent again costs a hash. The outcome depends on the
 * objects (their paths), so the key covers both texts, the default file mode and the object cap;
 * the split-file flag is fixed per daemon. Below it, compiled templates are shared by text
 * (`TemplateCache`): a class whose objects change keeps its compiled templates.
 */
export class TemplatesCache {
  // One entry per SecretProviderClass with templates, typically; weighed by the template text
  // (compiled code grows with it).
  readonly #cache = new ParseCache<TemplatesOutcome>({ maxEntries: 256, maxWeightBytes: 2 * 1024 * 1024 });
  readonly #compiled = new TemplateCache();
  readonly #maxObjects: number;
  readonly #writeCertAndKeyInSeparateFiles: boolean;

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
    return this.#cache.outcome(
      [objectsText, templatesText],
      `${defaultFileMode}:${this.#maxObjects}`,
      templatesText,
      () =>
        parseTemplatesOutcome(templatesText, defaultFileMode, objects, {
          writeCertAndKeyInSeparateFiles: this.#writeCertAndKeyInSeparateFiles,
          compile: this.#compiled.compile,
        }),
    );
  }

  get stats(): { readonly hits: number; readonly misses: number; readonly entries: number } {
    return this.#cache.stats;
  }
}
