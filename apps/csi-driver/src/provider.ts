import type { KeyVaultClientOptions } from '@keyvault-csi/keyvault-fetcher';
import type { CloudEnvironment } from '@keyvault-csi/spc';
import type { BuildInfo } from './build-info.js';
import type { DaemonConfig } from './config/daemon-flags.js';
import { Daemon } from './daemon.js';
import { prepareTokenProxy, type TokenProxySettings } from './identity-binding/token-proxy-settings.js';
import { MountCallHandler } from './mount/mount-call.js';
import type { LoadedMountRuntime } from './mount/mount-runtime.js';
import { type Logger, withCaller } from './observability/logger.js';
import { DriverMetrics } from './observability/metrics.js';

export interface ProviderOptions {
  readonly logger: Logger;
  readonly build: BuildInfo;
  /** SDK client options (e.g. a loopback test vault); production keeps the SDK defaults. */
  readonly keyVaultClientOptions?: KeyVaultClientOptions;
  /** Collect Node process metrics (default true; in-process tests turn it off). */
  readonly processMetrics?: boolean;
  /** Where `KUBERNETES_SERVICE_PORT` is read for identity binding (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** `--cloud-name` resolved at start-up (AzureStackCloud: its file read then, as the reference). */
  readonly defaultCloud?: CloudEnvironment;
}

/**
 * The daemon with its one NMI client and one Key Vault fetcher per process. Those (and the Azure
 * SDKs, undici) load on the first Mount: start-up and an idle node stay small.
 */
export class Provider {
  readonly daemon: Daemon;
  readonly metrics: DriverMetrics;
  readonly #runtime: () => Promise<LoadedMountRuntime> | undefined;
  #stopped: Promise<void> | undefined;

  private constructor(
    daemon: Daemon,
    metrics: DriverMetrics,
    runtime: () => Promise<LoadedMountRuntime> | undefined,
  ) {
    this.daemon = daemon;
    this.metrics = metrics;
    this.#runtime = runtime;
  }

  /** Starts the servers (metrics, gRPC socket, healthz); the default cloud was validated by the caller. */
  static async start(config: DaemonConfig, options: ProviderOptions): Promise<Provider> {
    const { logger } = options;
    const metrics = new DriverMetrics({ processMetrics: options.processMetrics ?? true });
    const tokenProxy = startTokenProxy(config, logger, options.env);
    let runtime: Promise<LoadedMountRuntime> | undefined;
    const loadRuntime = (): Promise<LoadedMountRuntime> => {
      runtime ??= import('./mount/mount-runtime.js').then(({ createMountRuntime }) =>
        createMountRuntime(config, {
          logger,
          metrics,
          version: options.build.version,
          tokenProxy: () => tokenProxy,
          ...(options.keyVaultClientOptions ? { keyVaultClientOptions: options.keyVaultClientOptions } : {}),
          ...(options.defaultCloud ? { defaultCloud: options.defaultCloud } : {}),
        }),
      );
      // A failed load is not cached: the next Mount tries again.
      runtime.catch(() => {
        runtime = undefined;
      });
      return runtime;
    };
    const mount = new MountCallHandler({
      runtime: loadRuntime,
      logger,
      metrics,
      mountTimeoutMs: config.mountTimeoutMs,
    });
    const daemon = await Daemon.start({
      endpoint: config.endpoint,
      healthz: config.healthz,
      metrics: config.metrics,
      ...(config.httpLimits ? { httpLimits: config.httpLimits } : {}),
      shutdownGraceMs: config.shutdownGraceMs,
      runtimeVersion: options.build.version,
      logger,
      driverMetrics: metrics,
      mount,
    });
    return new Provider(daemon, metrics, () => runtime);
  }

  /** Graceful stop (docs/deployment.md §2), then the NMI client's connections. Idempotent. */
  stop(): Promise<void> {
    this.#stopped ??= this.daemon.stop().then(async () => {
      const runtime = await this.#runtime()?.catch(() => undefined);
      await runtime?.close();
    });
    return this.#stopped;
  }
}

/**
 * Identity binding's start-up (SNI name, proxy URL, CA file), begun with the daemon as the
 * reference does, without holding up the socket: only identity-binding mounts wait for it, and its
 * failure is stored for them alone.
 */
function startTokenProxy(
  config: DaemonConfig,
  logger: Logger,
  env: Readonly<Record<string, string | undefined>> | undefined,
): Promise<TokenProxySettings> {
  const started = prepareTokenProxy(config.tokenProxy, env === undefined ? {} : { env });
  const log = withCaller(logger, 'provider.ts');
  started.then(
    (settings) =>
      log.info(
        {
          tokenProxyUrl: settings.proxyUrl.href,
          sniName: settings.sniName,
          sniSource: settings.sniSource,
          caFile: settings.caFile ?? 'system roots',
        },
        'identity binding: token proxy transport ready',
      ),
    (error: unknown) =>
      log.warn(
        // Not `err`: in the reference's JSON format that field marks error lines.
        { error: error instanceof Error ? error.message : String(error) },
        'identity binding: token proxy transport not available; identity-binding mounts fail with this error, other modes are not affected',
      ),
  );
  return started;
}
