import { checkAllowlist, type LiteralPath } from './private/allowlist.js';
import { HelperFailure } from './private/helper-failure.js';
import type { TemplateHelperName } from './private/helper-names.js';
import { compileJmesPath, type JmesPathEvaluator } from './private/jmes-path.js';
import { MAX_TEMPLATE_NESTING, templateNesting } from './private/nesting-guard.js';
import { describePosition, TemplatePositions } from './private/positions.js';
import { quoteShort } from './private/quote.js';
import type { RenderState } from './private/render-helpers.js';
import { renderHelpers } from './private/render-helpers.js';
import { COMPILE_OPTIONS, EMPTY_CONTEXT, RUNTIME_OPTIONS, sandbox } from './private/sandbox.js';
import { TemplateCompileError } from './template-error.js';

export type { LiteralPath } from './private/allowlist.js';

/** A template checked and compiled once (at parse time), rendered once per mount. */
export interface CompiledTemplate {
  /** The template text as written. */
  readonly source: string;
  /** Every `file`/`json`/`exists` call whose path is a string literal, in text order. */
  readonly literalPaths: readonly LiteralPath[];
  /** @internal Renders against one mount's state; use `renderTemplates`. */
  readonly renderWith: (state: RenderState) => string;
  /** @internal Literal JMESPath expressions, compiled. */
  readonly jmesPaths: ReadonlyMap<string, JmesPathEvaluator>;
}

/**
 * Parses, checks and compiles a template (extensions.md §8). Throws `TemplateCompileError` (a
 * configuration error) for a syntax error, a name lookup, an unknown helper, a wrong argument count,
 * a literal JMESPath expression that does not compile, or anything beyond the allowed shapes.
 */
export function compileTemplate(source: string): CompiledTemplate {
  if (typeof source !== 'string') throw new TypeError('source must be a string');
  const positions = new TemplatePositions(source);
  const nesting = templateNesting(source);
  if (nesting > MAX_TEMPLATE_NESTING) {
    throw new TemplateCompileError(
      'TEMPLATE_NOT_ALLOWED',
      `blocks and sub-expressions are nested ${nesting} deep, over the limit of ${MAX_TEMPLATE_NESTING}`,
    );
  }
  let program: hbs.AST.Program;
  try {
    program = sandbox().parse(source);
  } catch (error) {
    throw syntaxError(error, positions);
  }
  const allowed = checkAllowlist(program, positions);
  const jmesPaths = new Map<string, JmesPathEvaluator>();
  for (const { expression, position } of allowed.literalJmesPaths) {
    if (jmesPaths.has(expression)) continue;
    try {
      jmesPaths.set(expression, compileJmesPath(expression));
    } catch (error) {
      const cause = error instanceof Error ? firstLine(error.message) : 'syntax error';
      throw new TemplateCompileError(
        'TEMPLATE_JMES_PATH',
        `json: invalid JMESPath expression ${quoteShort(expression)}: ${cause} (${describePosition(position)})`,
        position,
      );
    }
  }
  // The source (not our parsed tree) goes to Handlebars, so its own checks of untrusted text apply.
  const template = sandbox().compile(source, COMPILE_OPTIONS);
  // Handlebars compiles lazily, on the first call: a dry run with helpers that read nothing makes
  // every compile error a configuration error now, before any network call.
  try {
    template(EMPTY_CONTEXT, { ...RUNTIME_OPTIONS, helpers: DRY_RUN_HELPERS });
  } catch (error) {
    throw syntaxError(error, positions);
  }
  return Object.freeze({
    source,
    literalPaths: Object.freeze(allowed.literalPaths),
    jmesPaths,
    renderWith: (state: RenderState) =>
      template(EMPTY_CONTEXT, { ...RUNTIME_OPTIONS, helpers: renderHelpers(state) }),
  });
}

const DRY_RUN_HELPERS: Record<TemplateHelperName, () => unknown> = {
  file: () => '',
  json: () => '',
  exists: () => false,
  base64: () => '',
  base64decode: () => '',
  trim: () => '',
};

function syntaxError(error: unknown, positions: TemplatePositions): TemplateCompileError {
  if (error instanceof TemplateCompileError) return error;
  if (error instanceof HelperFailure) return new TemplateCompileError('TEMPLATE_SYNTAX', error.message);
  if (error instanceof RangeError) {
    return new TemplateCompileError('TEMPLATE_NOT_ALLOWED', 'template too large or too complex');
  }
  const raw = error as { message?: unknown; lineNumber?: unknown; column?: unknown };
  const message = typeof raw?.message === 'string' ? raw.message : 'cannot be parsed';
  // Handlebars: "Parse error on line 3:\n<excerpt>\n--^\nExpecting 'ID', ..., got 'EOF'".
  const parse = /^Parse error on line (\d+):[\s\S]*\n(Expecting [^\n]*)$/.exec(message);
  if (parse) {
    const position = positions.at({ line: Number(parse[1]), column: 0 });
    return new TemplateCompileError(
      'TEMPLATE_SYNTAX',
      `syntax error on line ${position.line}: ${bounded(parse[2]!)}`,
      position,
    );
  }
  const line = typeof raw.lineNumber === 'number' ? raw.lineNumber : undefined;
  const column = typeof raw.column === 'number' ? raw.column : undefined;
  const position = line === undefined ? undefined : positions.at({ line, column: column ?? 0 });
  const where = position ? ` (${describePosition(position)})` : '';
  return new TemplateCompileError(
    'TEMPLATE_SYNTAX',
    `syntax error: ${bounded(firstLine(message).replace(/ - \d+:\d+$/, ''))}${where}`,
    position,
  );
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0] ?? '';
}

function bounded(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
