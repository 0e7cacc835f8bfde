import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

/** The built provider binary (`apps/csi-driver/dist/main.js`). */
export function daemonMainPath(): string {
  return path.join(path.dirname(require.resolve('@keyvault-csi/csi-driver/package.json')), 'dist/main.js');
}

export interface DaemonExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/**
 * The provider daemon as a separate process, exactly as a DaemonSet would run it: flags only, with
 * the proxy and CA environment. Its output (logs) is kept so tests can audit it.
 */
export class DaemonProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<DaemonExit>;
  #output = '';
  #exit: DaemonExit | undefined;

  /**
   * `command` replaces how the daemon is started (default: this Node, `nodeOptions`, the built
   * main.js), e.g. another Node binary running a production tree as the image's entrypoint does.
   */
  constructor(
    args: readonly string[],
    env: NodeJS.ProcessEnv,
    nodeOptions: readonly string[] = [],
    command?: readonly [string, ...string[]],
  ) {
    let [file, ...prefix] = command ?? [process.execPath];
    if (!command) {
      const main = daemonMainPath();
      if (!existsSync(main)) throw new Error(`${main} does not exist: run \`npm run build\` first`);
      prefix = [...nodeOptions, main];
    }
    this.child = spawn(file, [...prefix, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env,
    });
    const collect = (chunk: Buffer) => {
      this.#output += chunk.toString('utf8');
    };
    this.child.stdout!.on('data', collect);
    this.child.stderr!.on('data', collect);
    this.exited = once(this.child, 'exit').then(([code, signal]) => {
      this.#exit = { code: code as number | null, signal: signal as NodeJS.Signals | null };
      return this.#exit;
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Everything the daemon printed so far (stdout and stderr interleaved). */
  get output(): string {
    return this.#output;
  }

  get exit(): DaemonExit | undefined {
    return this.#exit;
  }

  /** Sends `signal` and waits for the exit (SIGKILL after `graceMs`). */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 15_000): Promise<DaemonExit> {
    if (this.#exit) return this.#exit;
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}
