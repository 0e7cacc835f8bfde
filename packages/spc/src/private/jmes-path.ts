import { compile, TreeInterpreter } from '@jmespath-community/jmespath';

/**
 * Compiles a JMESPath expression once (at parse time); the returned function evaluates it against
 * parsed JSON. Throws the library's syntax error, whose message names the problem.
 */
export function compileJmesPath(expression: string): (json: unknown) => unknown {
  const ast = compile(expression);
  return (json) => TreeInterpreter.search(ast, json as Parameters<typeof TreeInterpreter.search>[1]);
}
