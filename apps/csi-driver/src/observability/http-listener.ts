import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { boundLogText } from './bounded-log.js';
import {
  DEFAULT_HTTP_LIMITS,
  HTTP_KEEP_ALIVE_MS,
  HTTP_TIMEOUT_CHECK_INTERVAL_MS,
  type HttpLimits,
  MAX_HTTP_HEAD_BYTES,
} from './http-limits.js';
import { sendText } from './http-request.js';
import type { Logger } from './logger.js';

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

/** A request handler; a throw or a rejected promise is answered 500, never ends the process. */
export type HttpHandler = (request: IncomingMessage, response: ServerResponse) => void | Promise<void>;

export interface HttpListenerOptions {
  readonly limits?: HttpLimits;
  /** Where a failing handler and connection evictions are reported. */
  readonly logger?: Pick<Logger, 'error' | 'warn'>;
  /** Clock for rate-limiting the eviction warning (epoch ms). */
  readonly now?: () => number;
}

/** At most one "connections evicted" warning per listener in this period. */
const EVICTION_WARNING_PERIOD_MS = 60_000;

/**
 * A small HTTP server for probes and scrapes, hardened for a port anyone on the node's network can
 * reach: handlers are guarded (a throw answers 500 and is logged once), request heads are bounded
 * (`431`), slow clients are timed out, open connections are capped (oldest evicted), and every
 * error answer closes its connection.
 */
export class HttpListener {
  readonly #server: Server;

  private constructor(server: Server) {
    this.#server = server;
  }

  /** Binds or fails (a port already in use is an error, never ignored). `host` "" = all interfaces. */
  static async start(
    name: string,
    listen: { readonly host: string; readonly port: number },
    handler: HttpHandler,
    options: HttpListenerOptions = {},
  ): Promise<HttpListener> {
    const limits = options.limits ?? DEFAULT_HTTP_LIMITS;
    const server = createServer(
      {
        headersTimeout: limits.headersTimeoutMs,
        requestTimeout: limits.requestTimeoutMs,
        connectionsCheckingInterval: HTTP_TIMEOUT_CHECK_INTERVAL_MS,
        keepAliveTimeout: HTTP_KEEP_ALIVE_MS,
        maxHeaderSize: MAX_HTTP_HEAD_BYTES,
      },
      guarded(name, handler, options.logger),
    );
    capConnections(server, name, limits.maxConnections, options);
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

/** Runs `handler`; an exception (thrown or rejected) answers 500 and is logged exactly once. */
function guarded(name: string, handler: HttpHandler, logger: HttpListenerOptions['logger']): HttpHandler {
  return (request, response) => {
    const fail = (error: unknown): void => {
      logger?.error(
        { listener: name, error: boundLogText(describe(error)) },
        'http handler failed (a bug): answered 500',
      );
      sendText(response, 500, 'internal error\n');
    };
    try {
      const result = handler(request, response);
      if (result !== undefined) result.catch(fail);
    } catch (error) {
      fail(error);
    }
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * Keeps at most `max` connections open. A new connection over the cap closes the oldest one: an
 * attacker must then out-pace every new client instead of simply holding `max` idle sockets, and a
 * kubelet probe (a fresh connection answered in milliseconds) still gets through.
 */
function capConnections(server: Server, name: string, max: number, options: HttpListenerOptions): void {
  const open = new Set<Socket>();
  const now = options.now ?? Date.now;
  let evicted = 0;
  let lastWarning = Number.NEGATIVE_INFINITY;
  server.on('connection', (socket: Socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
    while (open.size > max) {
      const oldest = open.values().next().value as Socket;
      open.delete(oldest);
      oldest.destroy();
      evicted++;
    }
    if (evicted > 0 && now() - lastWarning >= EVICTION_WARNING_PERIOD_MS) {
      options.logger?.warn(
        { listener: name, evicted, maxConnections: max },
        'http connection cap reached: closed the oldest connections',
      );
      lastWarning = now();
      evicted = 0;
    }
  });
}
