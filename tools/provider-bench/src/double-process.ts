import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { DoubleReady, DoubleReply, DoubleRequest } from './double-protocol.js';

const HOST = fileURLToPath(new URL('./double-host.js', import.meta.url));

/** A test double (fake NMI or Key Vault emulator) in its own process, answering requests over IPC. */
export class DoubleProcess {
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  #nextId = 1;
  #output = '';

  private constructor(
    child: ChildProcess,
    readonly ready: DoubleReady,
  ) {
    this.#child = child;
    child.on('message', (message: DoubleReply) => {
      if (message.type !== 'reply') return;
      const pending = this.#pending.get(message.id);
      this.#pending.delete(message.id);
      if (message.error !== undefined) pending?.reject(new Error(message.error));
      else pending?.resolve(message.result);
    });
  }

  /**
   * Starts `role` (`nmi`, or `kv` with its TLS directory) and waits until it listens. The fake NMI
   * takes `tokenLifetimeSeconds`.
   */
  static async start(
    role: 'nmi' | 'kv',
    tlsDir?: string,
    options: { tokenLifetimeSeconds?: number } = {},
  ): Promise<DoubleProcess> {
    const child = fork(HOST, [role, tlsDir ?? '', JSON.stringify(options)], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      // The doubles must not inherit the daemon's proxy settings or the bench's inspector flags.
      execArgv: [],
    });
    let output = '';
    const collect = (chunk: Buffer) => {
      output += chunk.toString('utf8');
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    const ready = await Promise.race([
      once(child, 'message').then(([m]) => m as DoubleReady),
      once(child, 'exit').then(([code]) => {
        throw new Error(`double ${role} exited with ${String(code)} before it was ready:\n${output}`);
      }),
    ]);
    const double = new DoubleProcess(child, ready);
    double.#output = output;
    child.stdout?.off('data', collect);
    child.stderr?.off('data', collect);
    child.stdout?.on('data', (chunk: Buffer) => double.#append(chunk));
    child.stderr?.on('data', (chunk: Buffer) => double.#append(chunk));
    return double;
  }

  #append(chunk: Buffer): void {
    // Keep the tail only: a double has no reason to print much.
    this.#output = (this.#output + chunk.toString('utf8')).slice(-65_536);
  }

  get pid(): number {
    return this.#child.pid ?? 0;
  }

  get output(): string {
    return this.#output;
  }

  call<T>(request: DoubleRequest): Promise<T> {
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.#child.send({ id, request });
    });
  }

  async stop(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    const exited = once(this.#child, 'exit');
    this.#child.kill('SIGTERM');
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}
