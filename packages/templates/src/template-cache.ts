import { LRUCache } from 'lru-cache';
import { type CompiledTemplate, compileTemplate } from './compile-template.js';

export interface TemplateCacheOptions {
  /** Compiled templates kept (default 256). */
  readonly maxEntries?: number;
  /** Total UTF-16 length of the sources kept (default 1 Mi characters, ~2 MiB). */
  readonly maxSourceLength?: number;
}

/**
 * Compiled templates by their text, least recently used first out. Compiling (Handlebars generates
 * and evaluates JavaScript) costs about a millisecond per template, once per mount and again on
 * every rotation poll; a compiled template holds no per-render state, so mounts of the same class
 * share one. Failures are not kept: they throw every time, as they should.
 */
export class TemplateCache {
  // Weighed by the source's UTF-16 length (lru-cache wants a size ≥ 1; an empty source counts 1).
  readonly #entries: LRUCache<string, CompiledTemplate>;

  constructor(options: TemplateCacheOptions = {}) {
    this.#entries = new LRUCache({
      max: options.maxEntries ?? 256,
      maxSize: options.maxSourceLength ?? 1024 * 1024,
      sizeCalculation: (_compiled, source) => Math.max(source.length, 1),
    });
  }

  /** Compiled templates held. */
  get size(): number {
    return this.#entries.size;
  }

  /** `compileTemplate(source)`, from the cache when the same text was compiled before. */
  readonly compile = (source: string): CompiledTemplate => {
    const cached = this.#entries.get(source);
    if (cached) return cached;
    const compiled = compileTemplate(source);
    // A source longer than the whole budget is compiled and not kept.
    this.#entries.set(source, compiled);
    return compiled;
  };
}
