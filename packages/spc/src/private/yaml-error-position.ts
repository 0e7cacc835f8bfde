import type { CST, YAMLError } from 'yaml';

/**
 * Where a person should look for a YAML syntax error. The `yaml` composer reports some errors at a
 * place that is accurate for the parser but not for the reader:
 * - bad indentation at the start of the line (column 1), not at the misplaced key;
 * - "nested mappings are not allowed in compact mappings" at the value of the line *above* the
 *   over-indented key (the key became a continuation of that plain scalar);
 * - an unterminated quoted scalar or flow collection at the end of the text, not at its opening
 *   quote or bracket.
 * Returns the offset of the first non-space character of what is wrong.
 */
export function yamlErrorOffset(
  errors: readonly YAMLError[],
  text: string,
  tokens: readonly CST.Token[],
): number {
  const first = errors[0]!;
  const [start] = first.pos;
  switch (first.code) {
    case 'BLOCK_AS_IMPLICIT_KEY': {
      // The multi-line "key" ends at the `:` of the over-indented key: point at that line's key.
      const multiline = errors.find((e) => e.code === 'MULTILINE_IMPLICIT_KEY' && e.pos[0] >= start);
      if (multiline) return firstNonSpaceOfLine(text, Math.max(multiline.pos[0], multiline.pos[1] - 1));
      return skipSpaces(text, start);
    }
    case 'MISSING_CHAR':
      if (/^Missing closing ["']quote/.test(first.message)) {
        return unterminatedQuoteStart(tokens, start) ?? start;
      }
      return skipSpaces(text, start);
    case 'BAD_INDENT':
      if (/^Flow (map|sequence) in block collection/.test(first.message)) {
        return unclosedFlowStart(tokens, start) ?? skipSpaces(text, start);
      }
      return skipSpaces(text, start);
    default:
      return skipSpaces(text, start);
  }
}

/** Moves past spaces on the same line (never past a line break or the end). */
function skipSpaces(text: string, offset: number): number {
  let at = offset;
  while (at < text.length && text[at] === ' ') at++;
  return at < text.length && text[at] !== '\n' && text[at] !== '\r' ? at : offset;
}

function firstNonSpaceOfLine(text: string, offset: number): number {
  return skipSpaces(text, offset === 0 ? 0 : text.lastIndexOf('\n', offset - 1) + 1);
}

/** The opening quote of the last quoted scalar that starts before `offset` and never closes. */
function unterminatedQuoteStart(tokens: readonly CST.Token[], offset: number): number | undefined {
  let found: number | undefined;
  walk(tokens, (token) => {
    if (token.type !== 'double-quoted-scalar' && token.type !== 'single-quoted-scalar') return;
    const quote = token.type === 'double-quoted-scalar' ? '"' : "'";
    const closed = token.source.length >= 2 && token.source.endsWith(quote);
    if (!closed && token.offset <= offset && (found === undefined || token.offset > found)) {
      found = token.offset;
    }
  });
  return found;
}

/** The `{` or `[` of the last flow collection that starts before `offset` and has no closing bracket. */
function unclosedFlowStart(tokens: readonly CST.Token[], offset: number): number | undefined {
  let found: number | undefined;
  walk(tokens, (token) => {
    if (token.type !== 'flow-collection') return;
    const closed = token.end.some((end) => end.type === 'flow-map-end' || end.type === 'flow-seq-end');
    if (!closed && token.offset <= offset && (found === undefined || token.offset > found)) {
      found = token.offset;
    }
  });
  return found;
}

/** Visits every node token of the CST, iteratively (depth is already bounded by the caller). */
function walk(roots: readonly CST.Token[], visit: (token: CST.Token) => void): void {
  const stack: CST.Token[] = [...roots];
  while (stack.length > 0) {
    const token = stack.pop()!;
    visit(token);
    if (token.type === 'document') {
      if (token.value) stack.push(token.value);
    } else if (token.type === 'block-map' || token.type === 'block-seq' || token.type === 'flow-collection') {
      for (const item of token.items) {
        if (item.key) stack.push(item.key);
        if (item.value) stack.push(item.value);
      }
    }
  }
}
