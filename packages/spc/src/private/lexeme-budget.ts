import { countLexemes } from './yaml-source.js';

/** What a mount may spend on YAML lexemes (input-limits.ts), across the objects text and its items. */
export class LexemeBudget {
  #left: number;
  readonly #limit: number;
  readonly #maxObjects: number;

  constructor(limit: number, maxObjects: number) {
    this.#left = limit;
    this.#limit = limit;
    this.#maxObjects = maxObjects;
  }

  /** Spends the lexemes of `text`; false (and nothing parsed) when they do not fit. */
  take(text: string): boolean {
    const used = countLexemes(text, this.#left);
    if (used === undefined) return false;
    this.#left -= used;
    return true;
  }

  message(): string {
    return `objects is too complex: more than ${this.#limit} YAML tokens (the limit for ${this.#maxObjects} objects per mount)`;
  }
}
