import { type KeyVaultClientOptions, KeyVaultFetcher } from '@keyvault-csi/keyvault-fetcher';
import { NmiClient } from '@keyvault-csi/nmi-client';
import type { BuildInfo } from './build-info.js';
import { userAgentPrefix } from './commands/user-agent.js';
import type { DaemonConfig } from './config/daemon-flags.js';
import { Daemon } from './daemon.js';
import { MountCallHandler } from './mount/mount-call.js';
import { MountService } from './mount/mount-service.js';
import { fetcherEventRecorder, nmiEventRecorder } from './observability/library-events.js';
import type { Logger } from './observability/logger.js';
import { DriverMetrics } from './observability/metrics.js';

export interface ProviderOptions {
  readonly logger: Logger;
  readonly build: BuildInfo;
  /** SDK client options (e.g. a loopback test vault); production keeps the SDK defaults. */
  readonly keyVaultClientOptions?: KeyVaultClientOptions;
  /** Collect Node process metrics (default true; in-process tests turn it off). */
  readonly processMetrics?: boolean;
}

/** The daemon with its one NMI client and one Key Vault fetcher per process. */
export class Provider {
  readonly daemon: Daemon;
  readonly metrics: DriverMetrics;
  readonly #nmiClient: NmiClient;
  #stopped: Promise<void> | undefined;

  private constructor(daemon: Daemon, metrics: DriverMetrics, nmiClient: NmiClient) {
    this.daemon = daemon;
    this.metrics = metrics;
    this.#nmiClient = nmiClient;
  }

  /** Starts the servers (metrics, gRPC socket, healthz); the default cloud was validated by the caller. */
  static async start(config: DaemonConfig, options: ProviderOptions): Promise<Provider> {
    const { logger } = options;
    const metrics = new DriverMetrics({ processMetrics: options.processMetrics ?? true });
    const nmiClient = new NmiClient({
      endpoint: config.nmiEndpoint,
      onEvent: nmiEventRecorder(metrics, logger),
    });
    const fetcher = new KeyVaultFetcher({
      maxConcurrency: config.maxConcurrency,
      constructPemChain: config.constructPemChain,
      writeCertAndKeyInSeparateFiles: config.writeCertAndKeyInSeparateFiles,
      userAgentPrefix: userAgentPrefix(options.build.version, config.customUserAgent),
      ...(options.keyVaultClientOptions ? { clientOptions: options.keyVaultClientOptions } : {}),
      onEvent: fetcherEventRecorder(metrics, logger),
    });
    const mount = new MountCallHandler({
      service: new MountService({ nmiClient, fetcher, defaultCloudName: config.cloudName }),
      logger,
      metrics,
      mountTimeoutMs: config.mountTimeoutMs,
    });
    try {
      const daemon = await Daemon.start({
        endpoint: config.endpoint,
        healthz: config.healthz,
        metrics: config.metrics,
        shutdownGraceMs: config.shutdownGraceMs,
        runtimeVersion: options.build.version,
        logger,
        driverMetrics: metrics,
        mount,
      });
      return new Provider(daemon, metrics, nmiClient);
    } catch (error) {
      await nmiClient.close();
      throw error;
    }
  }

  /** Graceful stop (deployment.md §2), then the NMI client's connections. Idempotent. */
  stop(): Promise<void> {
    this.#stopped ??= this.daemon.stop().then(() => this.#nmiClient.close());
    return this.#stopped;
  }
}
