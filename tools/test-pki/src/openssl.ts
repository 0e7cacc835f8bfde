import { execFileSync } from 'node:child_process';

/** Thrown when the openssl CLI exits with an error; carries what openssl printed on stderr. */
export class OpensslError extends Error {
  readonly code = 'OPENSSL_FAILED';
  readonly args: readonly string[];
  readonly stderr: string;

  constructor(args: readonly string[], stderr: string, options?: { cause?: unknown }) {
    super(`openssl ${args.join(' ')} failed: ${stderr.trim()}`, options);
    this.name = 'OpensslError';
    this.args = args;
    this.stderr = stderr;
  }
}

/**
 * Runs the system openssl in `cwd` (relative file names in `args` resolve there), with `input` on
 * stdin, and returns its stdout. Synchronous so that fixtures can be made anywhere, including in a
 * test file's top level and in code that cannot await.
 */
export function openssl(cwd: string, args: readonly string[], input?: string | Uint8Array): Buffer {
  try {
    return execFileSync('openssl', args, { cwd, input, stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (error) {
    const stderr = String((error as { stderr?: Buffer }).stderr ?? '');
    throw new OpensslError(args, stderr, { cause: error });
  }
}
