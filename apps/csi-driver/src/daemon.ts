import type { Endpoint } from './config/endpoint.js';
import { GrpcServer } from './grpc/grpc-server.js';
import { createHealthServer } from './grpc/health-service.js';
import { createProviderServer, type MountCallHandler } from './grpc/provider-service.js';
import { HealthProbe, healthzHandler } from './observability/healthz.js';
import type { HttpLimits } from './observability/http-limits.js';
import { HttpListener } from './observability/http-listener.js';
import { type Logger, withCaller } from './observability/logger.js';
import type { DriverMetrics } from './observability/metrics.js';
import { metricsHandler } from './observability/metrics-handler.js';

/** Serves Mount calls and can cancel what is in flight when the grace period of a stop ends. */
export interface MountEndpoint {
  readonly handle: MountCallHandler;
  readonly inFlight: number;
  cancelAll(): void;
}

export interface DaemonOptions {
  readonly endpoint: Endpoint;
  readonly healthz: { host: string; port: number; path: string; timeoutMs: number } | null;
  readonly metrics: { host: string; port: number } | null;
  /** Bounds of the health and metrics listeners (default DEFAULT_HTTP_LIMITS). */
  readonly httpLimits?: HttpLimits;
  readonly shutdownGraceMs: number;
  readonly runtimeVersion: string;
  readonly logger: Logger;
  readonly driverMetrics: DriverMetrics;
  readonly mount: MountEndpoint;
}

/** Time allowed for cancelled mounts to answer before connections are dropped. */
const CANCEL_SETTLE_MS = 1000;

/**
 * The running daemon: metrics server, gRPC server on the socket, healthz server — started in the
 * order of docs/deployment.md §2 and stopped gracefully.
 */
export class Daemon {
  readonly #options: DaemonOptions;
  readonly #grpc: GrpcServer;
  readonly #metricsServer: HttpListener | undefined;
  readonly #healthzServer: HttpListener | undefined;
  readonly #probe: HealthProbe | undefined;
  #stopping: Promise<void> | undefined;

  private constructor(
    options: DaemonOptions,
    grpc: GrpcServer,
    metricsServer: HttpListener | undefined,
    healthzServer: HttpListener | undefined,
    probe: HealthProbe | undefined,
  ) {
    this.#options = options;
    this.#grpc = grpc;
    this.#metricsServer = metricsServer;
    this.#healthzServer = healthzServer;
    this.#probe = probe;
  }

  static async start(options: DaemonOptions): Promise<Daemon> {
    const logger = withCaller(options.logger, 'daemon.ts');
    const observe = options.driverMetrics.observeGrpcRequest.bind(options.driverMetrics);
    const listenerOptions = {
      logger,
      ...(options.httpLimits ? { limits: options.httpLimits } : {}),
    };
    // A port that cannot be bound is logged and the daemon keeps serving mounts, as the
    // reference: the liveness probe decides about a missing health server.
    const metrics = options.metrics;
    const metricsServer = metrics
      ? await startOrLog(
          () =>
            HttpListener.start('metrics', metrics, metricsHandler(options.driverMetrics), listenerOptions),
          (error) => logger.error({ err: error }, 'listen and server error'), // sic: the reference's text
        )
      : undefined;
    let grpc: GrpcServer;
    try {
      grpc = await GrpcServer.start({
        endpoint: options.endpoint,
        provider: createProviderServer({
          runtimeVersion: options.runtimeVersion,
          mount: options.mount.handle,
          observe,
        }),
        health: createHealthServer(observe),
      });
    } catch (error) {
      await metricsServer?.stop();
      throw error;
    }
    let probe: HealthProbe | undefined;
    let healthzServer: HttpListener | undefined;
    if (options.healthz) {
      // Dial what was bound: `tcp://host:0` gets its port only now.
      const bound =
        options.endpoint.kind === 'tcp' ? { ...options.endpoint, port: grpc.port } : options.endpoint;
      const healthz = options.healthz;
      const healthProbe = new HealthProbe(bound, healthz.timeoutMs);
      healthzServer = await startOrLog(
        () =>
          HttpListener.start('healthz', healthz, healthzHandler(healthz.path, healthProbe), listenerOptions),
        (error) => logger.error({ err: error }, 'failed to start health check server'),
      );
      if (healthzServer) probe = healthProbe;
      else healthProbe.close();
    }
    return new Daemon(options, grpc, metricsServer, healthzServer, probe);
  }

  get healthzPort(): number | undefined {
    return this.#healthzServer?.port;
  }

  get metricsPort(): number | undefined {
    return this.#metricsServer?.port;
  }

  /** The TCP port of a `tcp://` endpoint (0 for a unix socket). */
  get grpcPort(): number {
    return this.#grpc.port;
  }

  /**
   * Stops accepting calls, lets in-flight mounts finish for up to the grace period, then cancels
   * them (they answer CANCELLED), closes the HTTP servers and removes the socket. Idempotent.
   */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    const { mount, shutdownGraceMs } = this.#options;
    const logger = withCaller(this.#options.logger, 'daemon.ts');
    const drained = this.#grpc.stop();
    if (mount.inFlight > 0)
      logger.info({ inFlight: mount.inFlight }, 'stopping: waiting for in-flight mounts');
    if (!(await settlesWithin(drained, shutdownGraceMs))) {
      logger.warn({ inFlight: mount.inFlight }, 'stopping: grace period over, cancelling in-flight mounts');
      mount.cancelAll();
      if (!(await settlesWithin(drained, CANCEL_SETTLE_MS))) this.#grpc.forceStop();
    }
    this.#probe?.close();
    await Promise.all([this.#healthzServer?.stop(), this.#metricsServer?.stop()]);
    await this.#grpc.removeSocket();
  }
}

async function startOrLog(
  start: () => Promise<HttpListener>,
  log: (error: unknown) => void,
): Promise<HttpListener | undefined> {
  try {
    return await start();
  } catch (error) {
    log(error);
    return undefined;
  }
}

async function settlesWithin(promise: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
