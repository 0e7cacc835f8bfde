import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export class HttpListenError extends Error {
  override readonly name = 'HttpListenError';
  readonly code = 'HTTP_LISTEN_FAILED';
}

/** A small HTTP server for probes and scrapes: bounded header wait, no keep-alive lingering on stop. */
export class HttpListener {
  readonly #server: Server;

  private constructor(server: Server) {
    this.#server = server;
  }

  /** Binds or fails (a port already in use is an error, never ignored). `host` "" = all interfaces. */
  static async start(
    name: string,
    listen: { readonly host: string; readonly port: number },
    handler: (request: IncomingMessage, response: ServerResponse) => void,
  ): Promise<HttpListener> {
    const server = createServer({ headersTimeout: 5000, requestTimeout: 30_000 }, handler);
    server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) =>
        reject(
          new HttpListenError(
            `failed to start the ${name} server on ${listen.host || '*'}:${listen.port}: ${error.code ?? error.message}`,
          ),
        ),
      );
      server.listen({ port: listen.port, host: listen.host === '' ? undefined : listen.host }, () =>
        resolve(),
      );
    });
    return new HttpListener(server);
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeIdleConnections();
    this.#server.closeAllConnections();
    await closed;
  }
}
