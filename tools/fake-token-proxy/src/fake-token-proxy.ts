import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { AZURE_PUBLIC_LOGIN_HOST, FakeAzureAd } from '@keyvault-csi/fake-azure-ad';
import { issueServerCertificate, type TestCa } from './server-certificate.js';

export interface FakeTokenProxyOptions {
  /** The CA that signs the proxy's certificate (the daemon's `--token-proxy-ca-file`). */
  readonly ca: TestCa;
  /** The TLS server name clients must send, and the certificate's only DNS name (e.g. `aexample.ests.aks`). */
  readonly sniName: string;
  /** Path the proxy serves under, e.g. `/identity-binding` (default: none). */
  readonly pathPrefix?: string;
  /** Azure AD behind the proxy: applications, federated credentials, AADSTS refusals (default: an empty one). */
  readonly azureAd?: FakeAzureAd;
}

/** One request as the proxy saw it (never the assertion). */
export interface FakeTokenProxyRequest {
  readonly method: string;
  /** Path without the query, prefix included. */
  readonly path: string;
  /** The TLS server name the client sent. */
  readonly servername: string | false | null;
  readonly kind: 'token' | 'openid-configuration' | 'other';
  readonly status: number;
}

interface Fault {
  remaining: number;
  readonly status: number;
  readonly retryAfterSeconds: number | undefined;
}

const MAX_REQUESTS_KEPT = 10_000;

/**
 * The AKS identity-binding token proxy as the provider sees it: HTTPS on 127.0.0.1 with a
 * certificate for one SNI name, signed by a test CA; requests whose TLS server name is not that
 * name get 421. Under an optional path prefix (query strings ignored) it serves Azure AD's
 * OpenID configuration and v2.0 token routes through a FakeAzureAd (which checks grant type,
 * assertion type, assertion and client id, and answers AADSTS refusals), seen with the real login
 * host so issuers and endpoints read `https://login.microsoftonline.com/...`. `failNext` answers
 * token requests with 429/503 and `Retry-After`; `useCa` re-issues the certificate from another CA
 * (a CA rotation).
 */
export class FakeTokenProxy {
  readonly azureAd: FakeAzureAd;
  readonly #server: https.Server;
  readonly #sniName: string;
  readonly #prefix: string;
  readonly #requests: FakeTokenProxyRequest[] = [];
  #fault: Fault | undefined;

  private constructor(server: https.Server, options: FakeTokenProxyOptions, azureAd: FakeAzureAd) {
    this.#server = server;
    this.#sniName = options.sniName;
    this.#prefix = (options.pathPrefix ?? '').replace(/\/+$/, '');
    this.azureAd = azureAd;
  }

  static async start(options: FakeTokenProxyOptions): Promise<FakeTokenProxy> {
    const azureAd = options.azureAd ?? new FakeAzureAd();
    const { certPem, keyPem } = issueServerCertificate(options.ca, { dnsNames: [options.sniName] });
    const server = https.createServer({ cert: certPem, key: keyPem, minVersion: 'TLSv1.2' });
    const proxy = new FakeTokenProxy(server, options, azureAd);
    server.on('request', (req, res) => {
      proxy.#handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(error));
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return proxy;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  /** `https://127.0.0.1:<port><prefix>`: the daemon's `--token-proxy-url`. */
  get url(): string {
    return `https://127.0.0.1:${this.port}${this.#prefix}`;
  }

  get sniName(): string {
    return this.#sniName;
  }

  get requests(): readonly FakeTokenProxyRequest[] {
    return this.#requests;
  }

  tokenRequests(): number {
    return this.#requests.filter((r) => r.kind === 'token').length;
  }

  /** The next `count` token requests get `status` (429 or 503 typically) with `Retry-After`. */
  failNext(count: number, status: number, retryAfterSeconds?: number): void {
    this.#fault = { remaining: count, status, retryAfterSeconds };
  }

  /**
   * Serves from now on with a certificate signed by `ca`; idle keep-alive connections are closed so
   * the next request handshakes again (busy ones finish with the old certificate).
   */
  useCa(ca: TestCa): void {
    const { certPem, keyPem } = issueServerCertificate(ca, { dnsNames: [this.#sniName] });
    this.#server.setSecureContext({ cert: certPem, key: keyPem, minVersion: 'TLSv1.2' });
    this.#server.closeIdleConnections();
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://proxy.invalid');
    const servername = (req.socket as TLSSocket).servername;
    const method = req.method ?? 'GET';
    const record = (kind: FakeTokenProxyRequest['kind'], status: number) => {
      if (this.#requests.length < MAX_REQUESTS_KEPT)
        this.#requests.push({ method, path: url.pathname, servername, kind, status });
    };
    if (servername !== this.#sniName) {
      record('other', 421);
      return sendJson(res, 421, {
        error: 'misdirected_request',
        error_description: `TLS server name ${JSON.stringify(servername)} is not ${this.#sniName}`,
      });
    }
    const inner = this.#withoutPrefix(url.pathname);
    const kind =
      inner === undefined
        ? 'other'
        : method === 'POST' && /^\/[^/]+\/oauth2\/v2\.0\/token$/.test(inner)
          ? 'token'
          : method === 'GET' && /^\/[^/]+\/v2\.0\/\.well-known\/openid-configuration$/.test(inner)
            ? 'openid-configuration'
            : 'other';
    if (inner === undefined || kind === 'other') {
      req.resume();
      record('other', 404);
      return sendJson(res, 404, {
        error: 'not_found',
        error_description: `no route for ${method} ${url.pathname}`,
      });
    }
    const fault = this.#fault;
    if (kind === 'token' && fault !== undefined && fault.remaining > 0) {
      fault.remaining -= 1;
      req.resume();
      record(kind, fault.status);
      res.writeHead(fault.status, {
        'content-type': 'text/plain',
        ...(fault.retryAfterSeconds === undefined ? {} : { 'retry-after': String(fault.retryAfterSeconds) }),
      });
      res.end(`the token proxy is busy (${fault.status})`);
      return;
    }
    // Azure AD sees the request as the provider addressed it: the real login host, no prefix.
    req.url = `${inner}${url.search}`;
    req.headers.host = AZURE_PUBLIC_LOGIN_HOST;
    res.on('finish', () => record(kind, res.statusCode));
    await this.azureAd.handler(req, res);
  }

  #withoutPrefix(path: string): string | undefined {
    if (this.#prefix === '') return path;
    if (path === this.#prefix || path.startsWith(`${this.#prefix}/`)) return path.slice(this.#prefix.length);
    return undefined;
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
