import { chmod, lstat, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { type Endpoint, grpcAddress } from '../config/endpoint.js';
import { type HealthServer, HealthService } from '../generated/grpc/health/v1/health.js';
import { type CSIDriverProviderServer, CSIDriverProviderService } from '../generated/v1alpha1/service.js';

export class SocketError extends Error {
  override readonly name = 'SocketError';
  readonly code = 'SOCKET_ERROR';
}

/** The gRPC server on the `--endpoint`; owns the socket file. */
export class GrpcServer {
  readonly #server: Server;
  readonly #endpoint: Endpoint;
  #boundPort = 0;

  private constructor(server: Server, endpoint: Endpoint) {
    this.#server = server;
    this.#endpoint = endpoint;
  }

  /**
   * Removes a stale socket file (grpc-js fails with EADDRINUSE otherwise), binds, and makes the
   * socket owner-only: protection is the socket's file permissions.
   */
  static async start(options: {
    readonly endpoint: Endpoint;
    readonly provider: CSIDriverProviderServer;
    readonly health: HealthServer;
  }): Promise<GrpcServer> {
    const { endpoint } = options;
    if (endpoint.kind === 'unix') await removeStaleSocket(endpoint.path);
    // No keepalive enforcement or compression: the driver dials with neither.
    const server = new Server({
      'grpc.max_send_message_length': -1,
      'grpc.max_receive_message_length': 16 << 20,
    });
    server.addService(CSIDriverProviderService, options.provider);
    server.addService(HealthService, options.health);
    const running = new GrpcServer(server, endpoint);
    const previousUmask = endpoint.kind === 'unix' ? process.umask(0o077) : undefined;
    try {
      running.#boundPort = await new Promise<number>((resolve, reject) => {
        server.bindAsync(grpcAddress(endpoint, 'bind'), ServerCredentials.createInsecure(), (error, port) =>
          error
            ? reject(new SocketError(`failed to listen on ${describe(endpoint)}: ${error.message}`))
            : resolve(port),
        );
      });
    } finally {
      if (previousUmask !== undefined) process.umask(previousUmask);
    }
    if (endpoint.kind === 'unix') await chmod(endpoint.path, 0o600);
    return running;
  }

  /** The TCP port actually bound (for `tcp://host:0`); 0 for a unix socket. */
  get port(): number {
    return this.#endpoint.kind === 'tcp' ? this.#boundPort : 0;
  }

  /**
   * Stops accepting calls and resolves once every in-flight call has been answered. The caller
   * bounds the wait (it cancels in-flight mounts at the end of the grace period, then calls
   * `forceStop`).
   */
  stop(): Promise<void> {
    return new Promise((resolve) => this.#server.tryShutdown(() => resolve()));
  }

  forceStop(): void {
    this.#server.forceShutdown();
  }

  /** Removes our socket file (grpc-js leaves it behind). */
  async removeSocket(): Promise<void> {
    if (this.#endpoint.kind === 'unix') await unlink(this.#endpoint.path).catch(() => undefined);
  }
}

async function removeStaleSocket(path: string): Promise<void> {
  const directory = dirname(path);
  const directoryStats = await stat(directory).catch(() => undefined);
  if (!directoryStats?.isDirectory()) {
    throw new SocketError(`cannot listen on ${path}: the directory ${directory} does not exist`);
  }
  const stats = await lstat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw new SocketError(`cannot inspect ${path}: ${error.message}`);
  });
  if (stats === undefined) return;
  if (!stats.isSocket()) throw new SocketError(`refusing to replace ${path}: it exists and is not a socket`);
  await unlink(path);
}

function describe(endpoint: Endpoint): string {
  return endpoint.kind === 'unix' ? endpoint.path : `${endpoint.host}:${endpoint.port}`;
}
