import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { GroupWatchdog, signalProcessGroup } from './process-group.js';

const require = createRequire(import.meta.url);

/** The built provider binary (`apps/csi-driver/dist/main.js`). */
export function daemonMainPath(): string {
  return path.join(path.dirname(require.resolve('@keyvault-csi/csi-driver/package.json')), 'dist/main.js');
}

export interface DaemonExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface DaemonProcessOptions {
  /** Write the daemon's stdout and stderr to this file (truncated) instead of keeping them in memory. */
  readonly logFile?: string;
  /**
   * Run the daemon as the leader of its own process group, signal the whole group, and start a
   * {@link GroupWatchdog} so the group ends even when this process is killed with SIGKILL.
   */
  readonly processGroup?: boolean;
}

/**
 * The provider daemon as a separate process, exactly as a DaemonSet would run it: flags only, with
 * the proxy and CA environment. Its output (logs) is kept so tests can audit it.
 */
export class DaemonProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<DaemonExit>;
  readonly logFile: string | undefined;
  #output = '';
  #exit: DaemonExit | undefined;
  readonly #watchdog: GroupWatchdog | undefined;

  /**
   * `command` replaces how the daemon is started (default: this Node, `nodeOptions`, the built
   * main.js), e.g. another Node binary running a production tree as the image's entrypoint does.
   */
  constructor(
    args: readonly string[],
    env: NodeJS.ProcessEnv,
    nodeOptions: readonly string[] = [],
    command?: readonly [string, ...string[]],
    options: DaemonProcessOptions = {},
  ) {
    let [file, ...prefix] = command ?? [process.execPath];
    if (!command) {
      const main = daemonMainPath();
      if (!existsSync(main)) throw new Error(`${main} does not exist: run \`npm run build\` first`);
      prefix = [...nodeOptions, main];
    }
    this.logFile = options.logFile;
    const logFd = options.logFile === undefined ? undefined : openSync(options.logFile, 'w', 0o600);
    try {
      this.child = spawn(file, [...prefix, ...args], {
        stdio: ['ignore', logFd ?? 'pipe', logFd ?? 'pipe'],
        env,
        detached: options.processGroup === true,
      });
    } finally {
      if (logFd !== undefined) closeSync(logFd);
    }
    if (logFd === undefined) {
      const collect = (chunk: Buffer) => {
        this.#output += chunk.toString('utf8');
      };
      this.child.stdout!.on('data', collect);
      this.child.stderr!.on('data', collect);
    }
    if (options.processGroup && this.child.pid !== undefined) {
      this.#watchdog = new GroupWatchdog(this.child.pid);
    }
    this.exited = once(this.child, 'exit').then(([code, signal]) => {
      this.#exit = { code: code as number | null, signal: signal as NodeJS.Signals | null };
      this.#watchdog?.dismiss();
      return this.#exit;
    });
  }

  /**
   * Last resort on the way out (a `process.on('exit')` handler, which cannot wait): SIGKILL the
   * daemon, and its process group when it leads one.
   */
  killNow(): void {
    if (this.#exit || this.child.pid === undefined) return;
    if (this.#watchdog) signalProcessGroup(this.child.pid, 'SIGKILL');
    else this.child.kill('SIGKILL');
    this.#watchdog?.dismiss();
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Everything the daemon printed so far (stdout and stderr interleaved). */
  get output(): string {
    if (this.logFile === undefined) return this.#output;
    try {
      return readFileSync(this.logFile, 'utf8');
    } catch {
      return '';
    }
  }

  get exit(): DaemonExit | undefined {
    return this.#exit;
  }

  /** Sends `signal` and waits for the exit (SIGKILL after `graceMs`). */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 15_000): Promise<DaemonExit> {
    if (this.#exit) return this.#exit;
    this.#signal(signal);
    const timer = setTimeout(() => this.#signal('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  #signal(signal: NodeJS.Signals): void {
    if (this.#watchdog && this.child.pid !== undefined) signalProcessGroup(this.child.pid, signal);
    else this.child.kill(signal);
  }
}
