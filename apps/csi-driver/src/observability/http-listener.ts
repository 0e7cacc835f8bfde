import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export class HttpListenError extends Error {
  override readonly name = 'HttpListenError';
  readonly code = 'HTTP_LISTEN_FAILED';
}

// Go's texts for the usual bind failures (`listen tcp :8898: bind: address already in use`).
const BIND_ERROR_TEXT: Readonly<Record<string, string>> = {
  EADDRINUSE: 'address already in use',
  EACCES: 'permission denied',
  EADDRNOTAVAIL: 'cannot assign requested address',
};

function goListenErrorText(
  listen: { readonly host: string; readonly port: number },
  error: NodeJS.ErrnoException,
) {
  const host = listen.host.includes(':') ? `[${listen.host}]` : listen.host;
  const cause = (error.code && BIND_ERROR_TEXT[error.code]) ?? error.code ?? error.message;
  return `listen tcp ${host}:${listen.port}: bind: ${cause}`;
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
        reject(new HttpListenError(`${name} server: ${goListenErrorText(listen, error)}`)),
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
