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
  readonly #maxEntries: number;
  readonly #maxSourceLength: number;
  readonly #entries = new Map<string, CompiledTemplate>();
  #sourceLength = 0;

  constructor(options: TemplateCacheOptions = {}) {
    this.#maxEntries = options.maxEntries ?? 256;
    this.#maxSourceLength = options.maxSourceLength ?? 1024 * 1024;
  }

  /** Compiled templates held. */
  get size(): number {
    return this.#entries.size;
  }

  /** `compileTemplate(source)`, from the cache when the same text was compiled before. */
  readonly compile = (source: string): CompiledTemplate => {
    const cached = this.#entries.get(source);
    if (cached) {
      this.#entries.delete(source);
      this.#entries.set(source, cached);
      return cached;
    }
    const compiled = compileTemplate(source);
    if (source.length <= this.#maxSourceLength) {
      this.#entries.set(source, compiled);
      this.#sourceLength += source.length;
      for (const [oldest] of this.#entries) {
        if (this.#entries.size <= this.#maxEntries && this.#sourceLength <= this.#maxSourceLength) break;
        this.#entries.delete(oldest);
        this.#sourceLength -= oldest.length;
      }
    }
    return compiled;
  };
}
