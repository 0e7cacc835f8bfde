import { mkdtemp, rm } from 'node:fs/promises';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createSecureServer, type Http2SecureServer } from 'node:http2';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer, type TLSSocket, type Server as TlsServer } from 'node:tls';
import { EmulatedVault, type VaultOptions } from './emulated-vault.js';
import { type FaultHandle, FaultInjector, type FaultRule } from './fault-rules.js';
import { applyFixture, type EmulatorFixture, loadFixtureFile } from './fixture.js';
import { LOOPBACK_HOSTS, parseVaultHost, VAULT_DNS_SUFFIXES } from './private/clouds.js';
import { AttemptCounter, handleVaultRequest } from './private/vault-rest-handler.js';
import { type RequestFilter, RequestLog, type RequestRecord, type RequestStats } from './request-log.js';
import { ensureTestTls, type TestTls } from './test-tls.js';

export interface KeyVaultEmulatorOptions {
  /** Where the test CA and leaf live (created if missing, reused if present); default: a fresh temp dir removed on stop. */
  readonly tlsDir?: string;
  /** Key shared with the token issuers (default: the test-tokens default). */
  readonly signingKey?: string;
  /** A fixture object, or the path of a fixture JSON file (paths inside it are relative to the file). */
  readonly fixture?: EmulatorFixture | string;
  /** Port on 127.0.0.1 (default 0: ephemeral). */
  readonly port?: number;
  /** Latency added to every Key Vault request, challenge probes included. */
  readonly latencyMs?: number;
  /** Restrict the accepted `api-version`s (default: any well-formed version). */
  readonly acceptedApiVersions?: readonly string[];
  /** Clock for token expiry and default creation times (epoch ms). */
  readonly now?: () => number;
  /** Bound on the request log (default 100 000 entries). */
  readonly maxLogEntries?: number;
  /**
   * ALPN protocols offered on TLS connections, in server preference order (default `['h2',
   * 'http/1.1']`, as Key Vault offers). `['http/1.1']` makes an HTTP/1.1-only vault.
   */
  readonly alpnProtocols?: readonly ('h2' | 'http/1.1')[];
}

/** How a request reached the emulator, handed to host handlers. */
export interface HostRequestInfo {
  /** Host the request is for: the CONNECT target, else the `Host` header without port. */
  readonly hostname: string;
  readonly via: RequestRecord['via'];
  /** The TCP socket under any TLS layer. */
  readonly rawSocket: Socket;
}

/** Serves every request for one host name (e.g. a fake `login.microsoftonline.com`). */
export type HostHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  info: HostRequestInfo,
) => void | Promise<void>;

interface ConnectionInfo {
  readonly rawSocket: Socket;
  readonly via: RequestRecord['via'];
  readonly tunnelHost: string | undefined;
}

type Route =
  | { readonly kind: 'host'; readonly handler: HostHandler }
  | {
      readonly kind: 'vault';
      readonly vault: EmulatedVault;
      readonly resource: string;
      readonly byName: boolean;
    };

const TLS_HANDSHAKE = 0x16;
/** Where a raw socket keeps its ConnectionInfo until its TLS socket exists. */
const CONNECTION_INFO = Symbol('keyvault-emulator connection');
/** Where a TLS socket keeps it: HTTP/2 requests see their socket through a proxy object. */
type WithInfo<T> = T & { [CONNECTION_INFO]?: ConnectionInfo };

/**
 * An Azure Key Vault data-plane emulator on one 127.0.0.1 port that serves HTTPS directly
 * (`https://127.0.0.1:<port>`, the default vault) and acts as an HTTP CONNECT proxy for
 * `<vault>.vault.azure.net:443`, terminating TLS itself with a leaf from its test CA.
 */
export class KeyVaultEmulator {
  readonly port: number;
  /** `https://127.0.0.1:<port>`: the default vault, for clients with `disableChallengeResourceVerification`. */
  readonly url: string;
  /** `http://127.0.0.1:<port>`: use as `HTTPS_PROXY` to reach `https://<vault>.vault.azure.net`. */
  readonly proxyUrl: string;
  readonly tls: TestTls;
  readonly faults = new FaultInjector();
  latencyMs: number;

  readonly #server: NetServer;
  readonly #http: Server;
  /** TLS for every connection: ALPN picks HTTP/2 or HTTP/1.1, both served by #onRequest. */
  readonly #tlsServer: Http2SecureServer | TlsServer;
  readonly #vaults = new Map<string, EmulatedVault>();
  readonly #hosts = new Map<string, HostHandler>();
  readonly #connections = new WeakMap<Socket, ConnectionInfo>();
  readonly #sockets = new Set<Socket>();
  readonly #log: RequestLog;
  readonly #attempts = new AttemptCounter();
  readonly #options: KeyVaultEmulatorOptions;
  readonly #now: () => number;
  readonly #ownedTlsDir: string | undefined;
  #defaultVault: string | undefined;

  private constructor(
    options: KeyVaultEmulatorOptions,
    tls: TestTls,
    server: NetServer,
    http: Server,
    ownedTlsDir: string | undefined,
  ) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.tls = tls;
    this.#server = server;
    this.#http = http;
    const alpn = options.alpnProtocols ?? ['h2', 'http/1.1'];
    // node:http2 always offers h2 (it overrides ALPNProtocols), so an HTTP/1.1-only vault is a
    // plain TLS server in front of the HTTP/1.1 server.
    this.#tlsServer = alpn.includes('h2')
      ? createSecureServer({
          key: tls.leafKeyPem,
          cert: tls.leafCertPem,
          allowHTTP1: alpn.includes('http/1.1'),
        })
      : createTlsServer({ key: tls.leafKeyPem, cert: tls.leafCertPem, ALPNProtocols: [...alpn] }, (secure) =>
          http.emit('connection', secure),
        );
    this.#tlsServer.on('secureConnection', (secure: TLSSocket) => {
      // The raw socket is the one handed to the TLS server (its `_parent`).
      const parent = (secure as TLSSocket & { _parent?: WithInfo<Socket> })._parent;
      const info = parent?.[CONNECTION_INFO];
      if (info) {
        this.#connections.set(secure, info);
        (secure as WithInfo<TLSSocket>)[CONNECTION_INFO] = info;
      }
    });
    this.#tlsServer.on('request', (req: IncomingMessage, res: ServerResponse) => this.#onRequest(req, res));
    // Sessions and sockets are torn down with the raw sockets (stop() destroys every one).
    this.#tlsServer.on('sessionError', () => undefined);
    this.#tlsServer.on('tlsClientError', () => undefined);
    this.#ownedTlsDir = ownedTlsDir;
    this.#log = new RequestLog(options.maxLogEntries);
    this.latencyMs = options.latencyMs ?? 0;
    const address = server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
    this.url = `https://127.0.0.1:${this.port}`;
    this.proxyUrl = `http://127.0.0.1:${this.port}`;
    server.on('connection', (socket) => this.#onConnection(socket, undefined));
    http.on('request', (req, res) => this.#onRequest(req, res));
    http.on('connect', (req, socket, head) => this.#onConnect(req, socket as Socket, head));
  }

  static async start(options: KeyVaultEmulatorOptions = {}): Promise<KeyVaultEmulator> {
    const ownedTlsDir = options.tlsDir ? undefined : await mkdtemp(join(tmpdir(), 'keyvault-emulator-tls-'));
    const tls = await ensureTestTls(options.tlsDir ?? ownedTlsDir!);
    const fixture =
      typeof options.fixture === 'string'
        ? await loadFixtureFile(options.fixture)
        : options.fixture && { fixture: options.fixture, baseDir: process.cwd() };
    const server = createNetServer({ pauseOnConnect: false });
    const http = createHttpServer({ keepAliveTimeout: 5_000 });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const emulator = new KeyVaultEmulator(options, tls, server, http, ownedTlsDir);
    if (fixture) {
      try {
        await applyFixture(emulator, fixture.fixture, fixture.baseDir);
      } catch (error) {
        await emulator.stop();
        throw error;
      }
    }
    return emulator;
  }

  get caCertPath(): string {
    return this.tls.caCertPath;
  }

  get caCertPem(): string {
    return this.tls.caCertPem;
  }

  /** Creates a vault; the first one created is the default vault served for 127.0.0.1/localhost. */
  addVault(name: string, options: VaultOptions & { readonly default?: boolean } = {}): EmulatedVault {
    const key = name.toLowerCase();
    if (this.#vaults.has(key)) throw new Error(`vault '${name}' already exists`);
    const vault = new EmulatedVault(name, options, this.#now);
    this.#vaults.set(key, vault);
    if (this.#defaultVault === undefined || options.default) this.#defaultVault = key;
    return vault;
  }

  /** The named vault, created with default options if missing. */
  vault(name: string): EmulatedVault {
    return this.#vaults.get(name.toLowerCase()) ?? this.addVault(name);
  }

  get vaults(): readonly EmulatedVault[] {
    return [...this.#vaults.values()];
  }

  get defaultVault(): EmulatedVault | undefined {
    return this.#defaultVault === undefined ? undefined : this.#vaults.get(this.#defaultVault);
  }

  setDefaultVault(name: string): void {
    if (!this.#vaults.has(name.toLowerCase())) throw new Error(`vault '${name}' does not exist`);
    this.#defaultVault = name.toLowerCase();
  }

  /** The public-cloud URL of a vault (`https://<name>.vault.azure.net`), reachable through {@link proxyUrl}. */
  vaultUrl(name: string, dnsSuffix = 'vault.azure.net'): string {
    return `https://${name.toLowerCase()}.${dnsSuffix}`;
  }

  /**
   * Routes every request for `hostname` (direct or through a CONNECT tunnel to `hostname:443`) to
   * `handler`; used to add fake identity endpoints behind the same proxy.
   */
  registerHost(hostname: string, handler: HostHandler): void {
    this.#hosts.set(hostname.toLowerCase(), handler);
  }

  unregisterHost(hostname: string): void {
    this.#hosts.delete(hostname.toLowerCase());
  }

  injectFault(rule: FaultRule): FaultHandle {
    return this.faults.add(rule);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  get requests(): readonly RequestRecord[] {
    return this.#log.records;
  }

  stats(): RequestStats {
    return this.#log.stats();
  }

  countRequests(filter?: RequestFilter): number {
    return this.#log.count(filter);
  }

  /** Clears the request log, counters and per-request attempt numbers (fault rules stay). */
  resetStats(): void {
    this.#log.reset();
    this.#attempts.clear();
  }

  /**
   * Makes every connection open now silently dead, as a dropped NAT entry or a hung proxy would:
   * nothing more is read from them (HTTP/2 PINGs go unanswered) and nothing is closed. New
   * connections are served normally. Returns how many connections were frozen.
   */
  freezeConnections(): number {
    for (const socket of this.#sockets) {
      // TLS reads the TCP handle natively (the stream's pause() does not reach it): stop libuv's reads.
      (socket as Socket & { _handle?: { readStop?: () => number } })._handle?.readStop?.();
      socket.pause();
    }
    return this.#sockets.size;
  }

  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const socket of this.#sockets) socket.destroy();
    this.#http.close();
    await closed;
    if (this.#ownedTlsDir) await rm(this.#ownedTlsDir, { recursive: true, force: true });
  }

  #onConnection(socket: Socket, tunnelHost: string | undefined): void {
    this.#sockets.add(socket);
    socket.once('close', () => this.#sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.once('data', (chunk: Buffer) => {
      if (chunk[0] === TLS_HANDSHAKE) {
        // TLSSocket takes over the native handle and first replays what is buffered in the socket
        // (the unshifted ClientHello); resuming the raw socket here would steal bytes from it.
        socket.pause();
        socket.unshift(chunk);
        (socket as WithInfo<Socket>)[CONNECTION_INFO] = {
          rawSocket: socket,
          via: tunnelHost ? 'proxy' : 'direct',
          tunnelHost,
        };
        this.#tlsServer.emit('connection', socket);
      } else if (tunnelHost === undefined) {
        socket.pause();
        socket.unshift(chunk);
        this.#connections.set(socket, { rawSocket: socket, via: 'http', tunnelHost });
        this.#http.emit('connection', socket);
        socket.resume();
      } else {
        // Inside a tunnel to port 443 only TLS makes sense.
        socket.destroy();
      }
    });
  }

  #onConnect(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const target = /^\[?([^\]]+?)\]?:(\d+)$/.exec(req.url ?? '');
    const hostname = target?.[1]?.toLowerCase();
    const port = Number(target?.[2]);
    const route = hostname ? this.#route(hostname) : undefined;
    const loopback = hostname !== undefined && LOOPBACK_HOSTS.has(hostname);
    if (!route || (loopback ? port !== this.port : port !== 443)) {
      // Only hosts the emulator serves are tunnelled; everything else is refused, never forwarded.
      socket.end(
        `HTTP/1.1 502 Bad Gateway\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\n` +
          `keyvault-emulator does not serve ${req.url ?? ''}\n`,
      );
      return;
    }
    this.#log.tunnels++;
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length > 0) socket.unshift(head);
    this.#onConnection(socket, hostname);
    socket.resume();
  }

  #route(hostname: string): Route | undefined {
    const handler = this.#hosts.get(hostname);
    if (handler) return { kind: 'host', handler };
    const parsed = parseVaultHost(hostname, VAULT_DNS_SUFFIXES);
    if (parsed) {
      const vault = this.#vaults.get(parsed.vaultName);
      return vault ? { kind: 'vault', vault, resource: parsed.resource, byName: true } : undefined;
    }
    if (LOOPBACK_HOSTS.has(hostname)) {
      const vault = this.defaultVault;
      return vault ? { kind: 'vault', vault, resource: vault.resource, byName: false } : undefined;
    }
    return undefined;
  }

  #onRequest(req: IncomingMessage, res: ServerResponse): void {
    const info = this.#connections.get(req.socket as Socket) ??
      (req.socket as WithInfo<Socket>)[CONNECTION_INFO] ?? {
        rawSocket: req.socket as Socket,
        via: 'http' as const,
        tunnelHost: undefined,
      };
    const hostHeader = req.headers.host ?? `127.0.0.1:${this.port}`;
    const hostname = (info.tunnelHost ?? hostHeader.replace(/:\d+$/, '')).toLowerCase();
    const route = this.#route(hostname);
    const fail = (status: number, code: string, message: string) => {
      req.resume();
      const body = JSON.stringify({ error: { code, message } });
      res.writeHead(status, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(body),
      });
      res.end(body);
    };
    if (!route) {
      fail(404, 'VaultNotFound', `keyvault-emulator serves no vault or host named '${hostname}'.`);
      return;
    }
    const run =
      route.kind === 'host'
        ? async () => route.handler(req, res, { hostname, via: info.via, rawSocket: info.rawSocket })
        : () => {
            const scheme = info.via === 'http' ? 'http' : 'https';
            const proxied = info.via === 'proxy' && route.byName;
            return handleVaultRequest(
              req,
              res,
              {
                vault: route.vault,
                resource: route.resource,
                idBase: proxied ? `https://${hostname}` : `${scheme}://${hostHeader}`,
                nextLinkBase: proxied ? `https://${hostname}:443` : `${scheme}://${hostHeader}`,
                via: info.via,
                rawSocket: info.rawSocket,
              },
              {
                log: this.#log,
                faults: this.faults,
                latencyMs: () => this.latencyMs,
                signingKey: this.#options.signingKey,
                now: this.#now,
                acceptedApiVersions: this.#options.acceptedApiVersions,
                attempts: this.#attempts,
              },
            );
          };
    run().catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      fail(500, 'InternalServerError', `keyvault-emulator failed: ${(error as Error).message}`);
    });
  }
}
