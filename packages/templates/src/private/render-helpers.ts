import { HelperFailure } from './helper-failure.js';
import type { TemplateHelperName } from './helper-names.js';
import { compileJmesPath, type JmesPathEvaluator } from './jmes-path.js';
import { quoteShort } from './quote.js';

/** What one render of one mount's templates reads and how much it may produce. */
export interface RenderState {
  /** The mount's files by path (main, split, jmesPath files, metadata sidecars); never templates. */
  readonly files: ReadonlyMap<string, Uint8Array>;
  /** Paths and expressions written literally in the templates: safe to quote in messages. */
  readonly literals: ReadonlySet<string>;
  /** Compiled literal JMESPath expressions (compiled at parse time), by expression. */
  readonly jmesPaths: ReadonlyMap<string, JmesPathEvaluator>;
  /** Bytes of helper results and rendered files still allowed. */
  remainingBytes: number;
  readonly maxBytes: number;
  readonly texts: Map<string, string>;
  readonly parsed: Map<string, unknown>;
  readonly computedJmesPaths: Map<string, JmesPathEvaluator>;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/;

type Helper = (...args: unknown[]) => unknown;

/**
 * The six helpers, bound to one render. Every text a helper returns is charged against the byte
 * limit as it is produced (nested calls included: their results are memory too), so a template that
 * repeats `{{file "big"}}` stops at the limit instead of filling the heap.
 */
export function renderHelpers(state: RenderState): Record<TemplateHelperName, Helper> {
  const charge = (text: string): string => {
    state.remainingBytes -= Buffer.byteLength(text, 'utf8');
    if (state.remainingBytes < 0) {
      throw new HelperFailure(
        'TEMPLATE_OUTPUT_TOO_LARGE',
        `rendered text exceeds the limit of ${state.maxBytes} bytes for this mount's templates`,
      );
    }
    return text;
  };
  const shown = (text: string, what: string): string =>
    state.literals.has(text) ? quoteShort(text) : `(a ${what} computed by the template)`;
  const pathArgument = (helper: string, path: unknown): string => {
    if (typeof path !== 'string') {
      throw new HelperFailure('TEMPLATE_BAD_ARGUMENT', `${helper} needs a file path, got ${kindOf(path)}`);
    }
    return path;
  };
  const textArgument = (helper: string, text: unknown): string => {
    if (typeof text !== 'string') {
      throw new HelperFailure('TEMPLATE_BAD_ARGUMENT', `${helper} needs text, got ${kindOf(text)}`);
    }
    return text;
  };
  const textOf = (helper: string, path: string): string => {
    const cached = state.texts.get(path);
    if (cached !== undefined) return cached;
    const bytes = state.files.get(path);
    if (bytes === undefined) {
      throw new HelperFailure(
        'TEMPLATE_FILE_NOT_FOUND',
        `${helper}: file ${shown(path, 'path')} is not a file of this mount`,
      );
    }
    let text: string;
    try {
      text = UTF8.decode(bytes);
    } catch {
      throw new HelperFailure(
        'TEMPLATE_NOT_TEXT',
        `${helper}: file ${shown(path, 'path')} is not UTF-8 text`,
      );
    }
    state.texts.set(path, text);
    return text;
  };
  const jsonOf = (path: string): unknown => {
    if (state.parsed.has(path)) return state.parsed.get(path);
    const text = textOf('json', path);
    let value: unknown;
    try {
      value = JSON.parse(text, withoutPrototypes);
    } catch {
      // JSON.parse's message quotes the text around the error: never shown.
      throw new HelperFailure('TEMPLATE_INVALID_JSON', `json: file ${shown(path, 'path')} is not valid JSON`);
    }
    state.parsed.set(path, value);
    return value;
  };
  const evaluatorFor = (expression: string): JmesPathEvaluator => {
    const known = state.jmesPaths.get(expression) ?? state.computedJmesPaths.get(expression);
    if (known) return known;
    let evaluator: JmesPathEvaluator;
    try {
      evaluator = compileJmesPath(expression);
    } catch {
      throw new HelperFailure(
        'TEMPLATE_BAD_ARGUMENT',
        `json: ${shown(expression, 'JMESPath expression')} is not a valid JMESPath expression`,
      );
    }
    state.computedJmesPaths.set(expression, evaluator);
    return evaluator;
  };

  return {
    file: (path) => charge(textOf('file', pathArgument('file', path))),
    exists: (path) => state.files.has(pathArgument('exists', path)),
    json: (path, expression) => {
      const file = pathArgument('json', path);
      const query = textArgument('json', expression);
      const data = jsonOf(file);
      let result: unknown;
      try {
        result = evaluatorFor(query)(data);
      } catch (error) {
        if (error instanceof HelperFailure) throw error;
        // Runtime errors of JMESPath functions (wrong argument types): the data is not shown.
        throw new HelperFailure(
          'TEMPLATE_NO_MATCH',
          `json: ${shown(query, 'JMESPath expression')} failed on file ${shown(file, 'path')}`,
        );
      }
      if (result === null || result === undefined || typeof result === 'function') {
        throw new HelperFailure(
          'TEMPLATE_NO_MATCH',
          `json: ${shown(query, 'JMESPath expression')} matched nothing in file ${shown(file, 'path')}`,
        );
      }
      return charge(typeof result === 'string' ? result : JSON.stringify(result));
    },
    base64: (text) => charge(Buffer.from(textArgument('base64', text), 'utf8').toString('base64')),
    base64decode: (text) => {
      const encoded = textArgument('base64decode', text);
      if (!BASE64.test(encoded)) {
        throw new HelperFailure('TEMPLATE_BAD_ARGUMENT', 'base64decode: the text is not base64');
      }
      try {
        return charge(UTF8.decode(Buffer.from(encoded, 'base64')));
      } catch (error) {
        if (error instanceof HelperFailure) throw error;
        throw new HelperFailure('TEMPLATE_NOT_TEXT', 'base64decode: the decoded bytes are not UTF-8 text');
      }
    },
    trim: (text) => charge(textArgument('trim', text).trim()),
  };
}

/**
 * JSON objects without a prototype: JMESPath looks fields up with `object[name]`, which on a plain
 * object also finds `constructor`, `toString` or `__proto__` of Object.prototype. A `__proto__` key
 * of the JSON stays an ordinary own field.
 */
function withoutPrototypes(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  return Object.assign(Object.create(null), value);
}

function kindOf(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (typeof value === 'boolean') return 'a boolean';
  if (typeof value === 'number') return 'a number';
  return `a ${typeof value}`;
}
