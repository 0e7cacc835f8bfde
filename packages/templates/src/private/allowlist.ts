import { TemplateCompileError, type TemplatePosition } from '../template-error.js';
import {
  BLOCK_HELPERS,
  DATA_NAMES,
  isTemplateHelper,
  PATH_HELPERS,
  TEMPLATE_HELPERS,
} from './helper-names.js';
import { describePosition, type TemplatePositions } from './positions.js';
import { quoteShort } from './quote.js';

/** A `file`, `json` or `exists` call whose path is a string literal (what `lint` can check). */
export interface LiteralPath {
  readonly helper: 'file' | 'json' | 'exists';
  readonly path: string;
  /** Where the string literal starts in the template text. */
  readonly position: TemplatePosition;
  /** Inside `{{#if (exists "<same path>")}}` (or the else of `#unless`): never read when absent. */
  readonly guarded: boolean;
}

/** A `json` call whose JMESPath expression is a string literal (compiled once, at parse time). */
export interface LiteralJmesPath {
  readonly expression: string;
  readonly position: TemplatePosition;
}

export interface AllowlistResult {
  readonly literalPaths: LiteralPath[];
  readonly literalJmesPaths: LiteralJmesPath[];
}

type Node = hbs.AST.Node;
type Expression = hbs.AST.Expression;
type Call = hbs.AST.MustacheStatement | hbs.AST.BlockStatement | hbs.AST.SubExpression;

/**
 * Checks a parsed template against the only shapes §8 allows, before Handlebars compiles it to
 * JavaScript: text, comments, calls of the six helpers and of `if`/`unless`/`each`/`with` with
 * literal, sub-expression, `this`, block-parameter or `@index`-style arguments. Everything else — a
 * name lookup (there are no variables), `../`, `@root`, partials, decorators, hash arguments, raw
 * blocks, any other helper (`log`, `lookup`, `helperMissing`...) — is refused here, so no template
 * can reach the context's prototype chain or the helpers Handlebars registers by itself, whatever
 * its runtime would have allowed. Throws `TemplateCompileError` at the first problem.
 */
export function checkAllowlist(program: hbs.AST.Program, positions: TemplatePositions): AllowlistResult {
  const result: AllowlistResult = { literalPaths: [], literalJmesPaths: [] };
  visitProgram(program, { blockParams: [], hasValue: false, guards: [] }, positions, result);
  return result;
}

function fail(
  code: ConstructorParameters<typeof TemplateCompileError>[0],
  what: string,
  node: Node,
  positions: TemplatePositions,
): never {
  const position = positions.at(node.loc?.start);
  throw new TemplateCompileError(code, `${what} (${describePosition(position)})`, position);
}

/** What a block gives its body: block parameters, and (`with`, `each`) a current value `this`. */
interface Scope {
  readonly blockParams: readonly string[];
  readonly hasValue: boolean;
  /** Paths an enclosing `exists` test proved present. */
  readonly guards: readonly string[];
}

function visitProgram(
  program: hbs.AST.Program | undefined,
  outer: Scope,
  positions: TemplatePositions,
  result: AllowlistResult,
): void {
  if (!program) return;
  const params = program.blockParams?.length
    ? { ...outer, blockParams: [...outer.blockParams, ...program.blockParams] }
    : outer;
  for (const statement of program.body) {
    switch (statement.type) {
      case 'ContentStatement':
      case 'CommentStatement':
        break;
      case 'MustacheStatement':
        visitCall(statement as hbs.AST.MustacheStatement, 'mustache', params, positions, result);
        break;
      case 'BlockStatement': {
        const block = statement as hbs.AST.BlockStatement;
        visitCall(block, 'block', params, positions, result);
        const name = (block.path as hbs.AST.PathExpression).original;
        const hasValue = params.hasValue || name === 'with' || name === 'each';
        const tested = existsLiteral(block);
        const guarded = (branch: boolean): Scope =>
          tested !== undefined && branch ? { ...params, guards: [...params.guards, tested] } : params;
        visitProgram(block.program, { ...guarded(name === 'if'), hasValue }, positions, result);
        visitProgram(block.inverse, guarded(name === 'unless'), positions, result);
        break;
      }
      case 'PartialStatement':
      case 'PartialBlockStatement':
        fail('TEMPLATE_NOT_ALLOWED', 'partials are not supported', statement, positions);
        break;
      case 'Decorator':
      case 'DecoratorBlock':
        fail('TEMPLATE_NOT_ALLOWED', 'decorators are not supported', statement, positions);
        break;
      default:
        fail('TEMPLATE_NOT_ALLOWED', `${statement.type} is not supported`, statement, positions);
    }
  }
}

function visitCall(
  call: Call,
  kind: 'mustache' | 'block' | 'subexpression',
  scope: Scope,
  positions: TemplatePositions,
  result: AllowlistResult,
): void {
  const callee = call.path as Expression;
  const params = call.params;
  if (call.hash && call.hash.pairs.length > 0) {
    fail('TEMPLATE_NOT_ALLOWED', 'hash arguments (name=value) are not supported', call.hash, positions);
  }
  if (callee.type !== 'PathExpression') {
    // `{{"name"}}` and `{{1}}` are name lookups in Handlebars.
    fail('TEMPLATE_UNKNOWN_NAME', 'a literal cannot be called or looked up', callee, positions);
  }
  const path = callee as hbs.AST.PathExpression;
  const name = path.original;
  const simple = !path.data && path.depth === 0 && path.parts.length === 1 && !isScoped(name);
  if (simple && isTemplateHelper(name)) {
    if (kind === 'block') {
      fail('TEMPLATE_NOT_ALLOWED', `${name} is not a block helper: write {{${name} ...}}`, path, positions);
    }
    const arity = TEMPLATE_HELPERS[name];
    if (params.length !== arity) {
      fail(
        'TEMPLATE_ARGUMENTS',
        `${name} takes ${arity} argument${arity === 1 ? '' : 's'}, got ${params.length}`,
        path,
        positions,
      );
    }
    const first = params[0];
    if (PATH_HELPERS.has(name) && first?.type === 'StringLiteral') {
      result.literalPaths.push({
        helper: name as LiteralPath['helper'],
        path: (first as hbs.AST.StringLiteral).value,
        position: positions.at(first.loc?.start),
        guarded: scope.guards.includes((first as hbs.AST.StringLiteral).value),
      });
    }
    const second = params[1];
    if (name === 'json' && second?.type === 'StringLiteral') {
      result.literalJmesPaths.push({
        expression: (second as hbs.AST.StringLiteral).value,
        position: positions.at(second.loc?.start),
      });
    }
  } else if (simple && BLOCK_HELPERS.has(name)) {
    if (kind !== 'block') {
      fail(
        'TEMPLATE_NOT_ALLOWED',
        `${name} is a block helper: write {{#${name} ...}}...{{/${name}}}`,
        path,
        positions,
      );
    }
    if (params.length !== 1) {
      fail('TEMPLATE_ARGUMENTS', `#${name} takes 1 argument, got ${params.length}`, path, positions);
    }
  } else if (kind === 'mustache' && params.length === 0) {
    // `{{name}}`, `{{this}}`, `{{@index}}`: a value, not a call.
    visitValue(path, scope, positions, result);
    return;
  } else {
    fail('TEMPLATE_UNKNOWN_HELPER', `unknown helper ${quoteShort(name)}`, path, positions);
  }
  for (const param of params) visitValue(param, scope, positions, result);
}

function visitValue(
  value: Expression,
  scope: Scope,
  positions: TemplatePositions,
  result: AllowlistResult,
): void {
  switch (value.type) {
    case 'StringLiteral':
    case 'NumberLiteral':
    case 'BooleanLiteral':
    case 'UndefinedLiteral':
    case 'NullLiteral':
      return;
    case 'SubExpression':
      visitCall(value as hbs.AST.SubExpression, 'subexpression', scope, positions, result);
      return;
    case 'PathExpression': {
      const path = value as hbs.AST.PathExpression;
      const head = path.parts[0];
      if (path.data) {
        if (path.depth === 0 && path.parts.length === 1 && DATA_NAMES.has(head ?? '')) return;
        fail('TEMPLATE_UNKNOWN_NAME', `unknown name ${quoteShort(path.original)}`, path, positions);
      }
      if (path.depth > 0) {
        fail(
          'TEMPLATE_NOT_ALLOWED',
          `parent references (${quoteShort(path.original)}) are not supported`,
          path,
          positions,
        );
      }
      // `this` / `.`: the current value of a `with` or `each` block (the text of a helper).
      if (path.parts.length === 0) {
        if (scope.hasValue) return;
        fail(
          'TEMPLATE_UNKNOWN_NAME',
          `${quoteShort(path.original)} means nothing outside {{#with}} or {{#each}}`,
          path,
          positions,
        );
      }
      if (
        path.parts.length === 1 &&
        head !== undefined &&
        scope.blockParams.includes(head) &&
        !isScoped(path.original)
      ) {
        return;
      }
      fail(
        'TEMPLATE_UNKNOWN_NAME',
        `unknown name ${quoteShort(path.original)}: a template has no variables; read files with {{file "<path>"}}`,
        path,
        positions,
      );
      break;
    }
    default:
      fail('TEMPLATE_NOT_ALLOWED', `${value.type} is not supported`, value, positions);
  }
}

// Handlebars' own test: `./name` and `this.name` look up the context, never a helper or block param.
function isScoped(original: string): boolean {
  return /^\.|this\b/.test(original);
}

/** `"x"` of `{{#if (exists "x")}}` / `{{#unless (exists "x")}}`. */
function existsLiteral(block: hbs.AST.BlockStatement): string | undefined {
  const test = block.params[0];
  if (test?.type !== 'SubExpression') return undefined;
  const call = test as hbs.AST.SubExpression;
  const path = call.path as hbs.AST.PathExpression;
  const argument = call.params[0];
  if (path.original !== 'exists' || argument?.type !== 'StringLiteral') return undefined;
  return (argument as hbs.AST.StringLiteral).value;
}
