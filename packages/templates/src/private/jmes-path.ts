import { createRequire } from 'node:module';
import type * as JmesPath from '@jmespath-community/jmespath';

export type JmesPathEvaluator = (json: unknown) => unknown;

let library: typeof JmesPath | undefined;

/**
 * Compiles a JMESPath expression once; the returned function evaluates it against parsed JSON.
 * Throws the library's syntax error (its message quotes only the expression). The library is
 * loaded on the first expression compiled, not when the package is imported: every daemon imports
 * this package, few classes use templates or `jmesPath`, and its heap is 64 MiB. The one loader of
 * the workspace: spc compiles the objects' `jmesPath` expressions with it too, so both evaluate
 * with the same library and version.
 */
export function compileJmesPath(expression: string): JmesPathEvaluator {
  library ??= createRequire(import.meta.url)('@jmespath-community/jmespath') as typeof JmesPath;
  const { compile, TreeInterpreter } = library;
  const ast = compile(expression);
  return (json) => TreeInterpreter.search(ast, json as Parameters<typeof TreeInterpreter.search>[1]);
}
