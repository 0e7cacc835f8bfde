import { compile, TreeInterpreter } from '@jmespath-community/jmespath';

export type JmesPathEvaluator = (json: unknown) => unknown;

/**
 * Compiles a JMESPath expression once; the returned function evaluates it against parsed JSON.
 * Throws the library's syntax error (its message quotes only the expression).
 */
export function compileJmesPath(expression: string): JmesPathEvaluator {
  const ast = compile(expression);
  return (json) => TreeInterpreter.search(ast, json as Parameters<typeof TreeInterpreter.search>[1]);
}
