import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { buildConnector } from 'undici';

/** Thrown into a connection that stopped answering HTTP/2 PINGs; undici fails its streams with it. */
export class SilentConnectionError extends Error {
  override readonly name = 'SilentConnectionError';
  /** A reset from the request's point of view: the SDK retries it, classify-error calls it a network error. */
  readonly code = 'ECONNRESET';
}

/**
 * Wraps a connector so that every HTTP/2 connection it opens is destroyed once nothing at all has
 * been read from it for two check intervals. undici sends a PING every `pingInterval` on an HTTP/2
 * session (set to the same interval), and a live peer answers each one, so two silent intervals
 * mean the peer or the path to it (a proxy tunnel, a NAT entry) is gone. Without this a dead
 * connection would hold every request multiplexed on it until the 300 s headers timeout, the
 * known failure mode of long-lived HTTP/2 clients; with it, the requests fail as a reset (retried
 * by the SDK on a new connection) within 2–3 intervals.
 *
 * HTTP/1.1 connections are left alone: an idle one legitimately reads nothing, and each request
 * on it has its own response to wait for.
 */
export function watchSilentConnections(
  connect: buildConnector.connector,
  intervalMs: number,
  onConnected: (socket: Socket) => void = () => undefined,
): buildConnector.connector {
  return (options, callback) =>
    connect(options, (error, socket) => {
      if (error === null && socket !== null) {
        if ((socket as TLSSocket).alpnProtocol === 'h2') watch(socket as Socket, intervalMs);
        onConnected(socket as Socket);
      }
      (callback as (error: Error | null, socket: Socket | null) => void)(error, socket as Socket | null);
    });
}

function watch(socket: Socket, intervalMs: number): void {
  let lastRead = socket.bytesRead;
  let silentChecks = 0;
  const timer = setInterval(() => {
    if (socket.destroyed) {
      clearInterval(timer);
      return;
    }
    if (socket.bytesRead !== lastRead) {
      lastRead = socket.bytesRead;
      silentChecks = 0;
      return;
    }
    if (++silentChecks < 2) return;
    clearInterval(timer);
    socket.destroy(
      new SilentConnectionError(
        `HTTP/2 connection to Key Vault silent for ${Math.round((2 * intervalMs) / 1000)} s despite PINGs: closed`,
      ),
    );
  }, intervalMs);
  timer.unref();
  socket.once('close', () => clearInterval(timer));
}
