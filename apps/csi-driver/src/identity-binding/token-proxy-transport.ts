import https from 'node:https';
import {
  createDefaultHttpClient,
  type HttpClient,
  type PipelineRequest,
  type PipelineResponse,
  RestError,
} from '@azure/core-rest-pipeline';
import { readCaFile, type TokenProxySettings } from './token-proxy-settings.js';

/** Idle keep-alive connections to the proxy close after this (Go's transport: 90 s). */
const IDLE_SOCKET_TIMEOUT_MS = 90_000;

/** `RestError.code` of a CA file that cannot be used at request time. */
export const CA_FILE_ERROR_CODE = 'TOKEN_PROXY_CA_FILE';

/** What one credential's requests to the proxy last ended with (for its error messages). */
export interface TokenProxyExchange {
  /** The last transport failure (no HTTP answer): its code (`ECONNREFUSED`, `ERR_TLS_CERT_ALTNAME_INVALID`...) and text. */
  readonly transportError: { readonly code: string; readonly message: string } | undefined;
  /** The last HTTP status the proxy answered with. */
  readonly status: number | undefined;
}

/**
 * The process-wide way to the AKS token proxy: every request an identity-binding credential sends
 * to Azure AD is rewritten onto the proxy (its origin, its path joined with the original path, the
 * original query) and sent over TLS with the SNI name as server name (SNI and certificate name
 * check) and the cluster CA as the only trust anchor. No client certificate.
 *
 * One keep-alive connection pool (an https.Agent) is shared by all credentials; before each request
 * the CA file is read again and, when its bytes changed, the pool is replaced (the old one keeps
 * its in-flight requests and closes its idle connections). An empty CA file keeps the current pool.
 * The proxy is always dialled directly, never through HTTPS_PROXY: TLS to it needs its own server
 * name and CA, which the SDK's proxy agent would drop, and clusters list it in NO_PROXY anyway.
 */
export class TokenProxyTransport {
  readonly settings: TokenProxySettings;
  readonly #inner: HttpClient = createDefaultHttpClient();
  #agent: https.Agent;
  #caBytes: Buffer | undefined;

  constructor(settings: TokenProxySettings) {
    this.settings = settings;
    this.#caBytes = settings.ca === undefined ? undefined : Buffer.from(settings.ca.join('\n'));
    this.#agent = this.#newAgent(settings.ca);
  }

  /** A client for one credential: same pool, its own record of the last exchange. */
  client(): TokenProxyHttpClient {
    return new TokenProxyHttpClient(this);
  }

  /** The proxy URL for an Azure AD URL. */
  rewrite(original: string): string {
    const from = new URL(original);
    const proxy = this.settings.proxyUrl;
    const path = `${proxy.pathname}/${from.pathname}`.replace(/\/{2,}/g, '/');
    return `${proxy.origin}${path}${from.search}`;
  }

  /**
   * Sends one request through the proxy. The request keeps its Azure AD URL afterwards: the SDK's
   * retry policy sends the same request object again, which must be rewritten once, not twice.
   */
  async send(request: PipelineRequest): Promise<PipelineResponse> {
    const agent = await this.#currentAgent(request);
    const original = request.url;
    request.url = this.rewrite(original);
    request.agent = agent;
    request.tlsSettings = undefined;
    request.proxySettings = undefined;
    try {
      return await this.#inner.sendRequest(request);
    } finally {
      request.url = original;
    }
  }

  /** Closes the pool's connections (daemon stop). */
  close(): void {
    this.#agent.destroy();
  }

  async #currentAgent(request: PipelineRequest): Promise<https.Agent> {
    const caFile = this.settings.caFile;
    if (caFile === undefined) return this.#agent;
    const read = await readCaFile(caFile);
    if (!read.ok) {
      // A CA being rewritten may be empty for a moment: keep trusting the last good one.
      if (read.empty) return this.#agent;
      throw new RestError(read.reason, { code: CA_FILE_ERROR_CODE, request });
    }
    if (this.#caBytes === undefined || !read.bytes.equals(this.#caBytes)) {
      const old = this.#agent;
      this.#caBytes = read.bytes;
      this.#agent = this.#newAgent(read.certificates);
      for (const sockets of Object.values(old.freeSockets))
        for (const socket of sockets ?? []) socket.destroy();
    }
    return this.#agent;
  }

  #newAgent(ca: readonly string[] | undefined): https.Agent {
    return new https.Agent({
      keepAlive: true,
      timeout: IDLE_SOCKET_TIMEOUT_MS,
      servername: this.settings.sniName,
      ...(ca === undefined ? {} : { ca: [...ca] }),
      minVersion: 'TLSv1.2',
    });
  }
}

/** The HttpClient handed to one `ClientAssertionCredential`. */
export class TokenProxyHttpClient implements HttpClient, TokenProxyExchange {
  readonly #transport: TokenProxyTransport;
  #transportError: TokenProxyExchange['transportError'];
  #status: number | undefined;

  constructor(transport: TokenProxyTransport) {
    this.#transport = transport;
  }

  get transportError(): TokenProxyExchange['transportError'] {
    return this.#transportError;
  }

  get status(): number | undefined {
    return this.#status;
  }

  get settings(): TokenProxySettings {
    return this.#transport.settings;
  }

  /** Forgets the last exchange (at the start of each token request). */
  reset(): void {
    this.#transportError = undefined;
    this.#status = undefined;
  }

  async sendRequest(request: PipelineRequest): Promise<PipelineResponse> {
    try {
      const response = await this.#transport.send(request);
      this.#status = response.status;
      this.#transportError = undefined;
      return response;
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      this.#transportError = {
        code: typeof code === 'string' ? code : 'REQUEST_SEND_ERROR',
        message: error instanceof Error ? error.message : String(error),
      };
      throw error;
    }
  }
}
