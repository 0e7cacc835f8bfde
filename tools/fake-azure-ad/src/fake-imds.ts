import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { DEFAULT_TEST_TENANT_ID, issueTestToken } from '@keyvault-csi/test-tokens';

const TOKEN_PATH = '/metadata/identity/oauth2/token';

export interface FakeImdsOptions {
  /** TCP port on 127.0.0.1; 0 (default) picks a free one. */
  readonly port?: number;
  /** Client id of the VM's system-assigned identity; none when absent. */
  readonly systemAssigned?: string;
  /** Client ids of the user-assigned identities attached to the VM. */
  readonly userAssigned?: readonly string[];
  /** Tenant of the issued tokens (default: the test-tokens default tenant). */
  readonly tenantId?: string;
  readonly signingKey?: string;
  /** Lifetime of issued tokens (default 86399 s, like IMDS). */
  readonly tokenLifetimeSeconds?: number;
}

/** One token request as the fake saw it. */
export interface FakeImdsRequest {
  readonly at: number;
  readonly path: string;
  /** `client_id` of the query, `undefined` for the system-assigned identity. */
  readonly clientId: string | undefined;
  readonly resource: string;
  readonly status: number;
  /** Client id of the identity whose token was issued. */
  readonly issuedFor?: string;
}

/**
 * The Azure Instance Metadata Service's managed-identity token endpoint
 * (`GET /metadata/identity/oauth2/token?api-version=2018-02-01&resource=...[&client_id=...]`,
 * `Metadata: true`) on 127.0.0.1. `@azure/identity`'s ManagedIdentityCredential reaches it when
 * `AZURE_POD_IDENTITY_AUTHORITY_HOST=<url>` is set in its process. Tokens are
 * `@keyvault-csi/test-tokens` with `appid` = the identity's client id; unknown identities get IMDS's
 * `400 {"error":"invalid_request","error_description":"Identity not found"}`.
 */
export class FakeImds {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #options: FakeImdsOptions;
  #systemAssigned: string | undefined;
  readonly #userAssigned: Set<string>;
  readonly #requests: FakeImdsRequest[] = [];
  /** `http://127.0.0.1:<port>`: the value for `AZURE_POD_IDENTITY_AUTHORITY_HOST`. */
  readonly url: string;

  private constructor(server: Server, url: string, options: FakeImdsOptions) {
    this.#server = server;
    this.url = url;
    this.#options = options;
    this.#systemAssigned = options.systemAssigned;
    this.#userAssigned = new Set((options.userAssigned ?? []).map((id) => id.toLowerCase()));
    server.on('request', (req: IncomingMessage, res: ServerResponse) => this.#serve(req, res));
    server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
  }

  static async start(options: FakeImdsOptions = {}): Promise<FakeImds> {
    const server = createServer();
    server.listen(options.port ?? 0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    return new FakeImds(server, `http://127.0.0.1:${port}`, options);
  }

  /** Sets (or with `undefined` removes) the VM's system-assigned identity. */
  setSystemAssigned(clientId: string | undefined): void {
    this.#systemAssigned = clientId;
  }

  assignUserIdentity(clientId: string): void {
    this.#userAssigned.add(clientId.toLowerCase());
  }

  removeUserIdentity(clientId: string): void {
    this.#userAssigned.delete(clientId.toLowerCase());
  }

  get requests(): readonly FakeImdsRequest[] {
    return this.#requests;
  }

  /** Token requests answered (any status), optionally for one client id (`''` = system-assigned). */
  tokenRequests(clientId?: string): number {
    return this.#requests.filter((r) => clientId === undefined || (r.clientId ?? '') === clientId).length;
  }

  async stop(): Promise<void> {
    const closed = once(this.#server, 'close');
    this.#server.close();
    for (const socket of this.#sockets) socket.destroy();
    await closed;
  }

  #serve(req: IncomingMessage, res: ServerResponse): undefined {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const clientId = url.searchParams.get('client_id') ?? undefined;
    const resource = url.searchParams.get('resource') ?? '';
    const record = (status: number, issuedFor?: string) =>
      this.#requests.push({
        at: Date.now(),
        path: url.pathname,
        clientId,
        resource,
        status,
        ...(issuedFor === undefined ? {} : { issuedFor }),
      });
    const fail = (status: number, error: string, description: string): undefined => {
      record(status);
      sendJson(res, status, { error, error_description: description });
      return undefined;
    };
    // MSAL canonicalises the endpoint with a trailing slash; IMDS accepts both.
    if (url.pathname.replace(/\/$/, '') !== TOKEN_PATH)
      return fail(404, 'not_found', 'The requested resource was not found');
    if (req.method !== 'GET') return fail(405, 'invalid_request', 'Method not allowed');
    if (req.headers['metadata'] !== 'true') {
      return fail(400, 'invalid_request', 'Required metadata header not specified');
    }
    if (url.searchParams.get('api-version') === null) {
      return fail(400, 'invalid_request', 'Required query variable api-version is missing');
    }
    if (resource === '') return fail(400, 'invalid_request', 'Required audience parameter not specified');
    if (url.searchParams.has('object_id') || url.searchParams.has('msi_res_id')) {
      return fail(400, 'invalid_request', 'Identity not found');
    }
    const identity =
      clientId === undefined
        ? this.#systemAssigned
        : this.#userAssigned.has(clientId.toLowerCase()) ||
            clientId.toLowerCase() === this.#systemAssigned?.toLowerCase()
          ? clientId
          : undefined;
    if (identity === undefined) return fail(400, 'invalid_request', 'Identity not found');
    const lifetime = this.#options.tokenLifetimeSeconds ?? 86399;
    const audience = resource.replace(/\/+$/, '');
    const { token, claims } = issueTestToken({
      audience,
      clientId: identity,
      tenantId: this.#options.tenantId ?? DEFAULT_TEST_TENANT_ID,
      lifetimeSeconds: lifetime,
      ...(this.#options.signingKey === undefined ? {} : { signingKey: this.#options.signingKey }),
    });
    record(200, identity);
    // IMDS sends the numbers as strings.
    sendJson(res, 200, {
      access_token: token,
      client_id: identity,
      expires_in: String(lifetime),
      expires_on: String(claims.exp),
      ext_expires_in: String(lifetime),
      not_before: String(claims.nbf),
      resource,
      token_type: 'Bearer',
    });
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
