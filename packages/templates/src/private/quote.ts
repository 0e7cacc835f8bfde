/** Longest piece of template text quoted into a message, in code points. */
const MAX_QUOTED = 100;

/**
 * JSON-quotes a short piece of the template's own text (a name, a path, an expression) for a
 * message: bounded, control characters escaped, one line. Never used for file contents.
 */
export function quoteShort(text: string): string {
  const chars = Array.from(text);
  const shown = chars.length > MAX_QUOTED ? `${chars.slice(0, MAX_QUOTED).join('')}…` : text;
  return JSON.stringify(shown);
}
