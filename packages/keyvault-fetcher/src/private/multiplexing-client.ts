import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { type buildConnector, Client } from 'undici';
import { watchSilentConnections } from './silent-connection-watchdog.js';

/** Requests one HTTP/2 connection carries at once before the pool opens another (undici's stream default). */
export const H2_STREAMS_PER_CONNECTION = 100;

/**
 * One pooled connection that takes many requests at once when it speaks HTTP/2 and one at a time
 * when it speaks HTTP/1.1. undici counts a connection as busy after `pipelining` requests (default
 * 1) whatever the protocol, so with the default a pool opens a new connection (behind a proxy: a
 * new CONNECT tunnel and TLS handshake) for every concurrent request even when h2 could carry them
 * all. The protocol is known once ALPN has chosen it: then the client is told how many requests it
 * may hold. Before that it holds one, so a first burst never gets pipelined on an HTTP/1.1
 * connection; the fetcher's challenge gate sends a new SDK client's first request alone, so by the
 * time a mount's burst leaves, the connection and its protocol exist.
 */
export function createMultiplexingClient(
  origin: string | URL,
  options: Record<string, unknown>,
  pingIntervalMs: number,
): Client {
  let negotiated: string | false = false;
  const connect = watchSilentConnections(
    options.connect as buildConnector.connector,
    pingIntervalMs,
    (socket: Socket) => {
      negotiated = (socket as TLSSocket).alpnProtocol ?? false;
    },
  );
  const client = new Client(origin, { ...options, connect, pingInterval: pingIntervalMs });
  client.on('connect', () => {
    client.pipelining = negotiated === 'h2' ? H2_STREAMS_PER_CONNECTION : 1;
  });
  return client;
}
