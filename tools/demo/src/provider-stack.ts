import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { CSIDriverProviderClient } from '@keyvault-csi/csi-driver/proto';
import { connectProvider, providerVersion } from '@keyvault-csi/fake-csi-driver';
import { FakeNmi, type FakeNmiOptions } from '@keyvault-csi/fake-nmi';
import {
  ensureTestTls,
  KeyVaultEmulator,
  type KeyVaultEmulatorOptions,
} from '@keyvault-csi/keyvault-emulator';
import { type DaemonExit, DaemonProcess, type DaemonProcessOptions } from './daemon-process.js';
import { freePort } from './free-port.js';

export interface ProviderStackOptions {
  /** Working directory for the socket and TLS material (default: a new temp dir, removed on stop). */
  readonly workDir?: string;
  readonly nmi?: FakeNmiOptions;
  readonly emulator?: Omit<KeyVaultEmulatorOptions, 'tlsDir'>;
  /** Extra daemon flags (after ours, so they win). */
  readonly daemonArgs?: readonly string[];
  /** Extra environment for the daemon. */
  readonly daemonEnv?: NodeJS.ProcessEnv;
  /** Node options for the daemon process (e.g. `--max-old-space-size=64`). */
  readonly nodeOptions?: readonly string[];
  /** How to start the daemon instead (binary, its arguments before the flags): see DaemonProcess. */
  readonly daemonCommand?: readonly [string, ...string[]];
  /** How the daemon process runs: its log file, its own process group (see DaemonProcess). */
  readonly daemonProcess?: DaemonProcessOptions;
  /** Serve /metrics (default true) and /healthz (default false) on free ports. */
  readonly metrics?: boolean;
  readonly healthz?: boolean;
}

/** How the stack starts its daemon, kept to start it again the same way. */
interface DaemonLaunch {
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly nodeOptions: readonly string[] | undefined;
  readonly command: readonly [string, ...string[]] | undefined;
  readonly processOptions: DaemonProcessOptions | undefined;
}

function launchDaemon(launch: DaemonLaunch): DaemonProcess {
  return new DaemonProcess(
    launch.args,
    launch.env,
    launch.nodeOptions,
    launch.command,
    launch.processOptions,
  );
}

/**
 * Everything a Mount needs on a laptop: the fake NMI and the Key Vault emulator (in this process),
 * and the provider daemon as its own process reaching Key Vault as `https://<vault>.vault.azure.net`
 * through the emulator's CONNECT proxy with a test CA — the production code path, no test seam.
 */
export class ProviderStack {
  #daemon: DaemonProcess;

  private constructor(
    readonly workDir: string,
    readonly socketPath: string,
    readonly nmi: FakeNmi,
    readonly keyVault: KeyVaultEmulator,
    daemon: DaemonProcess,
    /** How the daemon was started (flags, environment, Node flags), to start it again the same way. */
    private readonly daemonLaunch: DaemonLaunch,
    readonly client: CSIDriverProviderClient,
    readonly metricsUrl: string | undefined,
    readonly healthzUrl: string | undefined,
    readonly startupMs: number,
    private readonly ownsWorkDir: boolean,
  ) {
    this.#daemon = daemon;
  }

  /** The daemon process serving the socket now (a new one after `startDaemon`). */
  get daemon(): DaemonProcess {
    return this.#daemon;
  }

  static async start(options: ProviderStackOptions = {}): Promise<ProviderStack> {
    const ownsWorkDir = options.workDir === undefined;
    const workDir = options.workDir ?? mkdtempSync(path.join(os.tmpdir(), 'keyvault-csi-'));
    const tls = await ensureTestTls(path.join(workDir, 'tls'));
    const nmi = await FakeNmi.start(options.nmi);
    const keyVault = await KeyVaultEmulator.start({ ...options.emulator, tlsDir: path.join(workDir, 'tls') });
    const socketPath = path.join(workDir, 'provider', 'azure.sock');
    // -1 disables a server (0 would bind a random port, as Go does).
    const metricsPort = options.metrics === false ? -1 : await freePort();
    const healthzPort = options.healthz ? await freePort() : -1;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      HTTPS_PROXY: keyVault.proxyUrl,
      NO_PROXY: '127.0.0.1,localhost',
      NODE_EXTRA_CA_CERTS: tls.caCertPath,
      ...options.daemonEnv,
    };
    const { mkdirSync } = await import('node:fs');
    mkdirSync(path.dirname(socketPath), { recursive: true, mode: 0o700 });
    const started = performance.now();
    const daemonLaunch = {
      args: [
        `--endpoint=unix://${socketPath}`,
        `--nmi-endpoint=${nmi.url}`,
        `--healthz-port=${healthzPort}`,
        `--prometheus-port=${metricsPort}`,
        '--log-format-json',
        ...(options.daemonArgs ?? []),
      ],
      env,
      nodeOptions: options.nodeOptions,
      command: options.daemonCommand,
      processOptions: options.daemonProcess,
    };
    const daemon = launchDaemon(daemonLaunch);
    const client = connectProvider(socketPath);
    const stack = new ProviderStack(
      workDir,
      socketPath,
      nmi,
      keyVault,
      daemon,
      daemonLaunch,
      client,
      metricsPort > 0 ? `http://127.0.0.1:${metricsPort}/metrics` : undefined,
      healthzPort > 0 ? `http://127.0.0.1:${healthzPort}/healthz` : undefined,
      0,
      ownsWorkDir,
    );
    try {
      await stack.waitForVersion(20_000);
    } catch (error) {
      await stack.stop();
      throw error;
    }
    (stack as { startupMs: number }).startupMs = performance.now() - started;
    return stack;
  }

  /** Waits until the daemon answers Version (it is serving), or fails with its output. */
  async waitForVersion(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let lastError: unknown;
    while (Date.now() < deadline) {
      if (this.daemon.exit) {
        throw new Error(`the daemon exited (${JSON.stringify(this.daemon.exit)}):\n${this.daemon.output}`);
      }
      try {
        await providerVersion(this.client, Math.min(2000, Math.max(100, deadline - Date.now())));
        return;
      } catch (error) {
        lastError = error;
        await delay(25);
      }
    }
    throw new Error(
      `the daemon did not serve Version within ${timeoutMs} ms: ${String(lastError)}\n${this.daemon.output}`,
    );
  }

  /** Stops the daemon (SIGTERM: graceful, removes its socket; SIGKILL: leaves a stale socket file). */
  stopDaemon(signal: NodeJS.Signals = 'SIGTERM'): Promise<DaemonExit> {
    return this.#daemon.stop(signal);
  }

  /**
   * Starts the daemon again with the same flags, environment and socket, after `stopDaemon` (or a
   * crash): a node's DaemonSet pod restarting. Resolves once it is spawned, not once it serves.
   */
  startDaemon(): DaemonProcess {
    if (this.#daemon.exit === undefined) throw new Error('the daemon is still running: stop it first');
    this.#daemon = launchDaemon(this.daemonLaunch);
    return this.#daemon;
  }

  /** The /metrics exposition text. */
  async metrics(): Promise<string> {
    if (!this.metricsUrl) throw new Error('metrics are disabled for this stack');
    const response = await fetch(this.metricsUrl);
    return response.text();
  }

  async stop(): Promise<void> {
    this.client.close();
    await this.daemon.stop();
    await Promise.allSettled([this.nmi.stop(), this.keyVault.stop()]);
    if (this.ownsWorkDir) rmSync(this.workDir, { recursive: true, force: true });
  }
}
