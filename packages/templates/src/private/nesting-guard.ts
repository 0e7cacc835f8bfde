/** Deepest nesting of blocks (`{{#if}}`) or sub-expressions (`(trim (file "a"))`) accepted. */
export const MAX_TEMPLATE_NESTING = 64;

/**
 * Measures how deeply a template nests blocks and sub-expressions, on the raw text and before
 * Handlebars parses it: Handlebars' AST visitors and compiler recurse per level, and near the stack
 * limit V8 may abort the whole daemon instead of throwing. Over-counts at worst (a `(` inside a
 * quoted argument), which only matters far beyond any real template.
 */
export function templateNesting(text: string): number {
  let deepest = 0;
  // One entry per open block: 1 + its chained `{{else if ...}}` sections (each nests a level).
  const open: number[] = [];
  let blocks = 0;
  let at = text.indexOf('{{');
  while (at >= 0) {
    const end = text.indexOf('}}', at + 2);
    const inner = text.slice(at + 2, end < 0 ? text.length : end).replace(/^[{~\s]+/, '');
    const first = inner[0];
    if (first === '#' || first === '^') {
      open.push(1);
      blocks++;
    } else if (first === '/') {
      blocks -= open.pop() ?? 0;
    } else if (/^else\s+\S/.test(inner) && open.length > 0) {
      open[open.length - 1]!++;
      blocks++;
    }
    let parens = 0;
    let quote: string | undefined;
    for (const char of inner) {
      if (quote) {
        if (char === quote) quote = undefined;
      } else if (char === '"' || char === "'") quote = char;
      else if (char === '(') deepest = Math.max(deepest, blocks + ++parens);
      else if (char === ')') parens = Math.max(0, parens - 1);
    }
    deepest = Math.max(deepest, blocks);
    if (end < 0) break;
    at = text.indexOf('{{', end + 2);
  }
  return deepest;
}
