import type { TemplatePosition } from '../template-error.js';

/**
 * Maps Handlebars' locations (1-based line, 0-based column) to offsets in the template text.
 * Handlebars' lexer counts `\r\n`, `\r` and `\n` as one line break each; so do we.
 */
export class TemplatePositions {
  readonly #lineStarts: number[] = [0];
  readonly #length: number;

  constructor(text: string) {
    this.#length = text.length;
    const breaks = /\r\n?|\n/g;
    for (let match = breaks.exec(text); match !== null; match = breaks.exec(text)) {
      this.#lineStarts.push(match.index + match[0].length);
    }
  }

  /** The position of Handlebars' `{ line, column }`; clamped to the text. */
  at(location: { readonly line: number; readonly column: number } | undefined): TemplatePosition {
    if (!location) return { line: 1, column: 1, offset: 0 };
    const lineIndex = Math.min(Math.max(location.line - 1, 0), this.#lineStarts.length - 1);
    const offset = Math.min(this.#lineStarts[lineIndex]! + Math.max(location.column, 0), this.#length);
    return { line: lineIndex + 1, column: offset - this.#lineStarts[lineIndex]! + 1, offset };
  }
}

/** `line 2, column 5`, for messages. */
export function describePosition(position: TemplatePosition): string {
  return `line ${position.line}, column ${position.column}`;
}
