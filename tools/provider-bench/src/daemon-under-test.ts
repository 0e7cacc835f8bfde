import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { credentials, Metadata } from '@grpc/grpc-js';
import { CSIDriverProviderClient } from '@keyvault-csi/csi-driver/proto';

const require = createRequire(import.meta.url);

/** The built provider binary (`apps/csi-driver/dist/main.js`). */
export function daemonMain(): string {
  return path.join(path.dirname(require.resolve('@keyvault-csi/csi-driver/package.json')), 'dist/main.js');
}

/** True when `taskset` exists (util-linux), to pin a process to one CPU. */
export function tasksetAvailable(): boolean {
  return spawnSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' }).status === 0;
}

export interface DaemonUnderTestOptions {
  readonly socketPath: string;
  readonly nmiUrl: string;
  readonly proxyUrl: string;
  readonly caCertPath: string;
  /** Node flags before the script, e.g. `--max-old-space-size=64`. */
  readonly nodeOptions?: readonly string[];
  /** Extra environment for the daemon, e.g. the chart's `MALLOC_ARENA_MAX`. */
  readonly env?: Readonly<Record<string, string>>;
  /** Pin to CPU 0 with taskset. */
  readonly oneCpu?: boolean;
  readonly extraArgs?: readonly string[];
  /** Called with each chunk of the daemon's output (stdout and stderr). */
  readonly onOutput?: (chunk: string) => void;
  /** Keep at most this many characters of output in `output` (default 8 MiB). */
  readonly keepOutputChars?: number;
}

/**
 * The daemon as its own process, as the DaemonSet runs it: real unix socket, fake NMI endpoint, Key
 * Vault reached as https://<vault>.vault.azure.net through HTTPS_PROXY with the test CA trusted.
 */
export class DaemonUnderTest {
  readonly child: ChildProcess;
  readonly client: CSIDriverProviderClient;
  /** Spawn → first answered Version, in ms. */
  startupMs = Number.NaN;
  #output = '';
  #exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  readonly #exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(options: DaemonUnderTestOptions) {
    const node = [...(options.nodeOptions ?? []), daemonMain()];
    const args = [
      `--endpoint=unix://${options.socketPath}`,
      `--nmi-endpoint=${options.nmiUrl}`,
      '--healthz-port=-1',
      '--prometheus-port=-1',
      '--log-format-json',
      ...(options.extraArgs ?? []),
    ];
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      HTTPS_PROXY: options.proxyUrl,
      NO_PROXY: '127.0.0.1,localhost',
      NODE_EXTRA_CA_CERTS: options.caCertPath,
      ...options.env,
    };
    delete env.NODE_OPTIONS;
    this.child = options.oneCpu
      ? spawn('taskset', ['-c', '0', process.execPath, ...node, ...args], {
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
        })
      : spawn(process.execPath, [...node, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = options.keepOutputChars ?? 8 * 1024 * 1024;
    const collect = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      options.onOutput?.(text);
      this.#output += text;
      if (this.#output.length > keep) this.#output = this.#output.slice(-keep);
    };
    this.child.stdout?.on('data', collect);
    this.child.stderr?.on('data', collect);
    this.#exited = once(this.child, 'exit').then(([code, signal]) => {
      this.#exit = { code: code as number | null, signal: signal as NodeJS.Signals | null };
      return this.#exit;
    });
    // A short reconnect backoff so the start-up figure is the daemon's, not grpc-js's 1 s first retry.
    this.client = new CSIDriverProviderClient(`unix:${options.socketPath}`, credentials.createInsecure(), {
      'grpc.default_authority': 'localhost',
      'grpc.initial_reconnect_backoff_ms': 5,
      'grpc.max_reconnect_backoff_ms': 20,
      'grpc.max_receive_message_length': 64 * 1024 * 1024,
    });
  }

  /** Spawns the daemon and waits for its first served Version (start-up time recorded). */
  static async start(options: DaemonUnderTestOptions, timeoutMs = 20_000): Promise<DaemonUnderTest> {
    const started = performance.now();
    const daemon = new DaemonUnderTest(options);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (daemon.#exit)
        throw new Error(`the daemon exited (${JSON.stringify(daemon.#exit)}):\n${daemon.output}`);
      if (existsSync(options.socketPath)) {
        const ok = await daemon.version(Math.min(2000, Math.max(50, deadline - Date.now()))).then(
          () => true,
          () => false,
        );
        if (ok) break;
      }
      if (Date.now() > deadline) {
        await daemon.stop('SIGKILL');
        throw new Error(`the daemon did not serve Version within ${timeoutMs} ms:\n${daemon.output}`);
      }
      await delay(2);
    }
    daemon.startupMs = performance.now() - started;
    return daemon;
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  get output(): string {
    return this.#output;
  }

  get exit(): { code: number | null; signal: NodeJS.Signals | null } | undefined {
    return this.#exit;
  }

  version(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) =>
      this.client.version(
        { version: 'v1alpha1' },
        new Metadata({ waitForReady: true }),
        { deadline: Date.now() + timeoutMs },
        (error) => (error ? reject(error) : resolve()),
      ),
    );
  }

  /** Sends `signal` and waits for the exit (SIGKILL after `graceMs`). */
  async stop(
    signal: NodeJS.Signals = 'SIGTERM',
    graceMs = 15_000,
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    this.client.close();
    if (this.#exit) return this.#exit;
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    try {
      return await this.#exited;
    } finally {
      clearTimeout(timer);
    }
  }
}
