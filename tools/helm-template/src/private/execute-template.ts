import { TemplateExecutionError } from '../errors.js';
import { functions, isTruthy, printValue, shortCircuit } from './functions.js';
import type { Command, Node, Operand, Pipeline } from './parse-template.js';

/** Variables of one scope; a block's declarations end with the block, as in Go. */
class Scope {
  readonly #variables = new Map<string, unknown>();
  constructor(readonly parent: Scope | undefined) {}

  declare(name: string, value: unknown): void {
    this.#variables.set(name, value);
  }

  assign(name: string, value: unknown, where: string): void {
    for (let scope: Scope | undefined = this; scope; scope = scope.parent) {
      if (scope.#variables.has(name)) {
        scope.#variables.set(name, value);
        return;
      }
    }
    throw new TemplateExecutionError(`${where}: undefined variable ${name}`);
  }

  get(name: string, where: string): unknown {
    for (let scope: Scope | undefined = this; scope; scope = scope.parent) {
      if (scope.#variables.has(name)) return scope.#variables.get(name);
    }
    throw new TemplateExecutionError(`${where}: undefined variable ${name}`);
  }
}

/** Bounds `include` recursion, which Helm also bounds. */
const maxIncludeDepth = 100;

/** Executes parsed templates against a data value, with named templates shared by all files. */
export class TemplateExecutor {
  #depth = 0;

  constructor(
    private readonly defines: ReadonlyMap<string, readonly { nodes: readonly Node[]; file: string }[]>,
  ) {}

  /** Renders a named template (`include`/`template`). */
  include(name: string, dot: unknown, where: string): string {
    const definitions = this.defines.get(name);
    const definition = definitions?.[definitions.length - 1];
    if (!definition) throw new TemplateExecutionError(`${where}: no template "${name}"`);
    if (++this.#depth > maxIncludeDepth)
      throw new TemplateExecutionError(`${where}: include nested too deeply`);
    try {
      return this.run(definition.nodes, dot, definition.file);
    } finally {
      this.#depth -= 1;
    }
  }

  /** Renders `nodes` with `dot` as both `.` and `$`. */
  run(nodes: readonly Node[], dot: unknown, file: string): string {
    const scope = new Scope(undefined);
    scope.declare('$', dot);
    return this.#nodes(nodes, dot, scope, file);
  }

  #nodes(nodes: readonly Node[], dot: unknown, scope: Scope, file: string): string {
    let out = '';
    for (const node of nodes) out += this.#node(node, dot, scope, file);
    return out;
  }

  #node(node: Node, dot: unknown, scope: Scope, file: string): string {
    switch (node.kind) {
      case 'text':
        return node.text;
      case 'output': {
        const value = this.#pipeline(node.pipeline, dot, scope, `${file}:${node.line}`);
        return node.pipeline.assign ? '' : printValue(value);
      }
      case 'if': {
        for (const branch of node.branches) {
          const inner = new Scope(scope);
          if (isTruthy(this.#pipeline(branch.pipeline, dot, inner, `${file}:${node.line}`))) {
            return this.#nodes(branch.body, dot, inner, file);
          }
        }
        return this.#nodes(node.otherwise, dot, new Scope(scope), file);
      }
      case 'with': {
        const inner = new Scope(scope);
        const value = this.#pipeline(node.pipeline, dot, inner, `${file}:${node.line}`);
        return isTruthy(value)
          ? this.#nodes(node.body, value, inner, file)
          : this.#nodes(node.otherwise, dot, new Scope(scope), file);
      }
      case 'range':
        return this.#range(node, dot, scope, file);
      case 'template': {
        const where = `${file}:${node.line}`;
        const value = node.pipeline ? this.#pipeline(node.pipeline, dot, new Scope(scope), where) : undefined;
        return this.include(node.name, value, where);
      }
    }
  }

  #range(node: Extract<Node, { kind: 'with' | 'range' }>, dot: unknown, scope: Scope, file: string): string {
    const where = `${file}:${node.line}`;
    const { variables } = node.pipeline;
    const collection = this.#pipeline(
      { ...node.pipeline, variables: [], assign: undefined },
      dot,
      scope,
      where,
    );
    let entries: [unknown, unknown][];
    if (Array.isArray(collection)) entries = collection.map((v, i) => [i, v]);
    else if (collection && typeof collection === 'object') {
      entries = Object.keys(collection)
        .sort()
        .map((k) => [k, (collection as Record<string, unknown>)[k]]);
    } else if (collection === undefined || collection === null) entries = [];
    else throw new TemplateExecutionError(`${where}: range can't iterate over ${JSON.stringify(collection)}`);
    if (entries.length === 0) return this.#nodes(node.otherwise, dot, new Scope(scope), file);
    let out = '';
    for (const [key, value] of entries) {
      const inner = new Scope(scope);
      if (variables.length === 1) inner.declare(variables[0]!, value);
      if (variables.length === 2) {
        inner.declare(variables[0]!, key);
        inner.declare(variables[1]!, value);
      }
      out += this.#nodes(node.body, value, inner, file);
    }
    return out;
  }

  #pipeline(pipeline: Pipeline, dot: unknown, scope: Scope, where: string): unknown {
    let value: unknown;
    let piped = false;
    for (const command of pipeline.commands) {
      value = this.#command(command, dot, scope, where, piped ? [value] : []);
      piped = true;
    }
    if (pipeline.assign === 'declare') scope.declare(pipeline.variables[0]!, value);
    if (pipeline.assign === 'assign') scope.assign(pipeline.variables[0]!, value, where);
    return value;
  }

  #command(command: Command, dot: unknown, scope: Scope, where: string, piped: readonly unknown[]): unknown {
    const [head, ...rest] = command.operands;
    if (head?.kind === 'function') {
      const evaluate = (operand: Operand) => this.#operand(operand, dot, scope, where);
      if (shortCircuit.has(head.name)) {
        const lazy = [...rest.map((operand) => () => evaluate(operand)), ...piped.map((v) => () => v)];
        let last: unknown;
        for (const get of lazy) {
          last = get();
          if (head.name === 'and' ? !isTruthy(last) : isTruthy(last)) return last;
        }
        return last;
      }
      const args = [...rest.map(evaluate), ...piped];
      if (head.name === 'include') {
        return this.include(String(args[0]), args[1], where);
      }
      const fn = functions[head.name];
      if (!fn) throw new TemplateExecutionError(`${where}: function "${head.name}" not defined`);
      try {
        return fn(...args);
      } catch (error) {
        if (error instanceof TemplateExecutionError && head.name === 'fail') {
          throw new TemplateExecutionError(`execution error at (${where}): ${error.message}`);
        }
        if (error instanceof TemplateExecutionError)
          throw new TemplateExecutionError(`${where}: ${error.message}`);
        throw error;
      }
    }
    const value = this.#operand(head!, dot, scope, where);
    if (typeof value === 'function') {
      const args = [...rest.map((operand) => this.#operand(operand, dot, scope, where)), ...piped];
      return (value as (...a: unknown[]) => unknown)(...args);
    }
    if (rest.length > 0 || piped.length > 0)
      throw new TemplateExecutionError(`${where}: can't give arguments to a non-function`);
    return value;
  }

  #operand(operand: Operand, dot: unknown, scope: Scope, where: string): unknown {
    switch (operand.kind) {
      case 'literal':
        return operand.value;
      case 'function':
        return this.#command({ operands: [operand] }, dot, scope, where, []);
      case 'field': {
        const base = operand.base === 'dot' ? dot : scope.get(operand.base, where);
        return walk(base, operand.path, where);
      }
      case 'pipeline':
        return walk(this.#pipeline(operand.pipeline, dot, new Scope(scope), where), operand.path, where);
    }
  }
}

/** `.A.B.C`: a missing key is nil, but a field of nil is an error, as in Go. */
function walk(base: unknown, path: readonly string[], where: string): unknown {
  let value = base;
  let walked = '';
  for (const key of path) {
    if (value === undefined || value === null) {
      throw new TemplateExecutionError(`${where}: nil pointer evaluating interface {}${walked}.${key}`);
    }
    if (typeof value !== 'object') {
      throw new TemplateExecutionError(`${where}: can't evaluate field ${key} in type ${typeof value}`);
    }
    value = (value as Record<string, unknown>)[key];
    walked += `.${key}`;
  }
  return value;
}
