import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DEFAULT_TEST_TENANT_ID, issueTestToken, verifyTestToken } from '@keyvault-csi/test-tokens';
import { type AadErrorAnswer, AadErrors } from './aad-errors.js';
import { DEFAULT_SERVICE_ACCOUNT_ISSUER, TOKEN_EXCHANGE_AUDIENCE } from './service-account-token.js';

export const AZURE_PUBLIC_LOGIN_HOST = 'login.microsoftonline.com';
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const MAX_BODY_BYTES = 64 * 1024;
const OIDC_SCOPES = new Set(['openid', 'profile', 'offline_access']);

/** A federated identity credential of an application (what `az ad app federated-credential create` makes). */
export interface FederatedCredential {
  /** Default: the issuer of `issueServiceAccountToken`. */
  readonly issuer?: string;
  /** e.g. `system:serviceaccount:default:workload-identity-sa`. */
  readonly subject: string;
  /** Default `api://AzureADTokenExchange`. */
  readonly audience?: string;
}

/** An app registration / service principal / managed identity Azure AD knows. */
export interface FakeApplication {
  readonly clientId: string;
  /** Default: the test-tokens default tenant. */
  readonly tenantId?: string;
  /** Client secrets accepted for this client (service principal). */
  readonly secrets?: readonly string[];
  /** Service-account token federations accepted for this client (workload identity). */
  readonly federatedCredentials?: readonly FederatedCredential[];
}

export interface FakeAzureAdOptions {
  /** Key of the issued tokens and of the accepted service-account tokens (default: the test-tokens key). */
  readonly signingKey?: string;
  /** Lifetime of issued access tokens (default 3599 s, like Azure AD). */
  readonly tokenLifetimeSeconds?: number;
  readonly applications?: readonly FakeApplication[];
  /** Tenants that exist without any application (an application's tenant always exists). */
  readonly tenants?: readonly string[];
  readonly now?: () => number;
}

/** One request as the fake saw it. Never holds a secret or an assertion. */
export interface FakeAzureAdRequest {
  readonly at: number;
  readonly method: string;
  readonly path: string;
  /** Token requests only. */
  readonly tenantId?: string;
  readonly clientId?: string;
  readonly grantType?: string;
  readonly authentication?: 'client_secret' | 'client_assertion' | 'none';
  readonly resource?: string;
  readonly status: number;
  /** AADSTS code of an error answer. */
  readonly errorCode?: number;
}

interface Registered {
  readonly clientId: string;
  readonly tenantId: string;
  readonly secrets: Set<string>;
  readonly federatedCredentials: FederatedCredential[];
}

/**
 * Azure AD's token service for the Azure SDK (MSAL): instance discovery, OpenID configuration and
 * the v2.0 (and v1) token endpoint, `client_credentials` with `client_secret` or with a
 * `client_assertion` matched against federated credentials. Issues `@keyvault-csi/test-tokens` for
 * the requested resource with `appid` = client id and `tid` = the tenant, so the Key Vault emulator's
 * access policies apply. Errors carry the real AADSTS codes and texts.
 *
 * It has no port of its own: `handler` serves a host of the Key Vault emulator
 * (`kv.registerHost('login.microsoftonline.com', aad.handler)`), so a client reaches it as
 * `https://login.microsoftonline.com` through the emulator's CONNECT proxy and test CA.
 */
export class FakeAzureAd {
  readonly #signingKey: string | undefined;
  readonly #lifetime: number;
  readonly #now: () => number;
  readonly #applications = new Map<string, Registered>();
  readonly #tenants = new Set<string>([DEFAULT_TEST_TENANT_ID]);
  readonly #requests: FakeAzureAdRequest[] = [];

  constructor(options: FakeAzureAdOptions = {}) {
    this.#signingKey = options.signingKey;
    this.#lifetime = options.tokenLifetimeSeconds ?? 3599;
    this.#now = options.now ?? Date.now;
    for (const tenant of options.tenants ?? []) this.#tenants.add(tenant.toLowerCase());
    for (const application of options.applications ?? []) this.addApplication(application);
  }

  /** Registers (or extends) an application; returns its client id. */
  addApplication(application: FakeApplication): string {
    const tenantId = (application.tenantId ?? DEFAULT_TEST_TENANT_ID).toLowerCase();
    const key = applicationKey(tenantId, application.clientId);
    const existing = this.#applications.get(key) ?? {
      clientId: application.clientId,
      tenantId,
      secrets: new Set<string>(),
      federatedCredentials: [],
    };
    for (const secret of application.secrets ?? []) existing.secrets.add(secret);
    existing.federatedCredentials.push(...(application.federatedCredentials ?? []));
    this.#applications.set(key, existing);
    this.#tenants.add(tenantId);
    return application.clientId;
  }

  /** Removes a client secret (a rotated-away secret then fails with AADSTS7000215). */
  removeSecret(clientId: string, secret: string, tenantId = DEFAULT_TEST_TENANT_ID): void {
    this.#applications.get(applicationKey(tenantId.toLowerCase(), clientId))?.secrets.delete(secret);
  }

  addTenant(tenantId: string): void {
    this.#tenants.add(tenantId.toLowerCase());
  }

  get requests(): readonly FakeAzureAdRequest[] {
    return this.#requests;
  }

  /** Token requests answered (any status), optionally for one client id. */
  tokenRequests(clientId?: string): number {
    return this.#requests.filter(
      (r) => r.grantType !== undefined && (clientId === undefined || r.clientId === clientId),
    ).length;
  }

  resetRequests(): void {
    this.#requests.length = 0;
  }

  /** Serves one request for the login host (a `HostHandler` of the Key Vault emulator). */
  readonly handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', `https://${req.headers.host ?? AZURE_PUBLIC_LOGIN_HOST}`);
    const base = `https://${url.host}`;
    const segments = url.pathname.split('/').filter((s) => s !== '');
    const method = req.method ?? 'GET';
    const log = (entry: Omit<FakeAzureAdRequest, 'at' | 'method' | 'path'>) =>
      this.#requests.push({ at: this.#now(), method, path: url.pathname, ...entry });

    if (method === 'GET' && url.pathname === '/common/discovery/instance') {
      log({ status: 200 });
      return sendJson(res, 200, instanceDiscovery(url, base));
    }
    const [tenant, ...rest] = segments;
    const tail = rest.join('/');
    if (method === 'GET' && tenant !== undefined && tail.endsWith('.well-known/openid-configuration')) {
      if (!this.#knowsTenant(tenant)) return this.#fail(res, AadErrors.tenantNotFound(tenant), log);
      log({ status: 200 });
      return sendJson(res, 200, openIdConfiguration(base, tenant, tail.startsWith('v2.0')));
    }
    if (
      method === 'POST' &&
      tenant !== undefined &&
      (tail === 'oauth2/v2.0/token' || tail === 'oauth2/token')
    ) {
      const body = await readBody(req);
      if (body === undefined) {
        log({ status: 413 });
        return sendJson(res, 413, { error: 'invalid_request', error_description: 'request body too large' });
      }
      return this.#token(res, tenant, new URLSearchParams(body), tail === 'oauth2/token', log);
    }
    log({ status: 404 });
    sendJson(res, 404, { error: 'not_found', error_description: `no route for ${method} ${url.pathname}` });
  };

  #token(
    res: ServerResponse,
    tenant: string,
    form: URLSearchParams,
    v1: boolean,
    log: (entry: Omit<FakeAzureAdRequest, 'at' | 'method' | 'path'>) => void,
  ): undefined {
    const grantType = form.get('grant_type') ?? '';
    const clientId = form.get('client_id') ?? '';
    const secret = form.get('client_secret');
    const assertion = form.get('client_assertion');
    const authentication =
      secret !== null ? 'client_secret' : assertion !== null ? 'client_assertion' : ('none' as const);
    const resource = v1 ? (form.get('resource') ?? '') : resourceOfScopes(form.get('scope') ?? '');
    const context = { tenantId: tenant, clientId, grantType, authentication, resource } as const;
    const fail = (answer: AadErrorAnswer) => this.#fail(res, answer, (e) => log({ ...context, ...e }));

    if (!this.#knowsTenant(tenant)) return fail(AadErrors.tenantNotFound(tenant));
    if (grantType !== 'client_credentials') return fail(AadErrors.unsupportedGrant(grantType));
    if (resource === undefined) return fail(AadErrors.invalidScope(form.get('scope') ?? ''));
    const application = this.#applications.get(applicationKey(tenant.toLowerCase(), clientId));
    if (application === undefined) return fail(AadErrors.unknownApplication(clientId, tenant));
    if (secret !== null) {
      if (!application.secrets.has(secret)) return fail(AadErrors.invalidClientSecret(clientId));
    } else if (assertion !== null) {
      if (form.get('client_assertion_type') !== JWT_BEARER) return fail(AadErrors.invalidAssertionType());
      const problem = this.#assertionProblem(application, assertion);
      if (problem !== undefined) return fail(problem);
    } else {
      return fail(AadErrors.credentialRequired());
    }
    const { token } = issueTestToken({
      audience: resource,
      clientId: application.clientId,
      tenantId: application.tenantId,
      lifetimeSeconds: this.#lifetime,
      nowMs: this.#now(),
      ...(this.#signingKey === undefined ? {} : { signingKey: this.#signingKey }),
    });
    log({ ...context, status: 200 });
    sendJson(res, 200, {
      token_type: 'Bearer',
      expires_in: this.#lifetime,
      ext_expires_in: this.#lifetime,
      ...(v1 ? { resource, expires_on: String(Math.floor(this.#now() / 1000) + this.#lifetime) } : {}),
      access_token: token,
    });
    return undefined;
  }

  #assertionProblem(application: Registered, assertion: string): AadErrorAnswer | undefined {
    const check = verifyTestToken(assertion, {
      nowMs: this.#now(),
      ...(this.#signingKey === undefined ? {} : { signingKey: this.#signingKey }),
    });
    if (!check.ok) {
      return check.reason === 'expired' || check.reason === 'not-yet-valid'
        ? AadErrors.assertionExpired()
        : AadErrors.assertionSignatureInvalid();
    }
    const claims = check.claims as unknown as { iss?: unknown; sub?: unknown; aud?: unknown };
    const issuer = typeof claims.iss === 'string' ? claims.iss : '';
    const subject = typeof claims.sub === 'string' ? claims.sub : '';
    const audiences = (Array.isArray(claims.aud) ? claims.aud : [claims.aud]).filter(
      (a): a is string => typeof a === 'string',
    );
    const matches = (f: FederatedCredential) =>
      (f.issuer ?? DEFAULT_SERVICE_ACCOUNT_ISSUER) === issuer &&
      audiences.includes(f.audience ?? TOKEN_EXCHANGE_AUDIENCE);
    const candidates = application.federatedCredentials.filter(matches);
    if (candidates.some((f) => f.subject === subject)) return undefined;
    if (candidates.length > 0) return AadErrors.noFederatedRecordForSubject(subject);
    return AadErrors.noFederatedRecord(issuer, subject, audiences.join(','));
  }

  #knowsTenant(tenant: string): boolean {
    const lower = tenant.toLowerCase();
    return lower === 'common' || lower === 'organizations' || this.#tenants.has(lower);
  }

  #fail(
    res: ServerResponse,
    answer: AadErrorAnswer,
    log: (entry: { status: number; errorCode?: number }) => void,
  ): undefined {
    log({ status: answer.status, errorCode: answer.body.error_codes[0] ?? 0 });
    sendJson(res, answer.status, answer.body);
    return undefined;
  }
}

function applicationKey(tenantId: string, clientId: string): string {
  return `${tenantId}/${clientId.toLowerCase()}`;
}

/** `https://vault.azure.net/.default` → `https://vault.azure.net`; undefined without a `/.default` scope. */
function resourceOfScopes(scope: string): string | undefined {
  const scopes = scope.split(' ').filter((s) => s !== '' && !OIDC_SCOPES.has(s));
  const first = scopes[0];
  if (scopes.length !== 1 || first === undefined || !first.endsWith('/.default')) return undefined;
  return first.slice(0, -'/.default'.length).replace(/\/+$/, '');
}

function instanceDiscovery(url: URL, base: string): unknown {
  const host = url.host;
  const authorize = url.searchParams.get('authorization_endpoint') ?? `${base}/common/oauth2/v2.0/authorize`;
  const tenant = new URL(authorize).pathname.split('/').filter((s) => s !== '')[0] ?? 'common';
  return {
    tenant_discovery_endpoint: `${base}/${tenant}/v2.0/.well-known/openid-configuration`,
    'api-version': '1.1',
    metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
  };
}

function openIdConfiguration(base: string, tenant: string, v2: boolean): unknown {
  const v = v2 ? '/v2.0' : '';
  return {
    token_endpoint: `${base}/${tenant}/oauth2${v}/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: `${base}/${tenant}/discovery${v}/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer: v2 ? `${base}/${tenant}/v2.0` : `https://sts.windows.net/${tenant}/`,
    request_uri_parameter_supported: false,
    authorization_endpoint: `${base}/${tenant}/oauth2${v}/authorize`,
    device_authorization_endpoint: `${base}/${tenant}/oauth2${v}/devicecode`,
    end_session_endpoint: `${base}/${tenant}/oauth2${v}/logout`,
    tenant_region_scope: 'NA',
    cloud_instance_name: 'microsoftonline.com',
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store, no-cache',
    'x-ms-request-id': randomUUID(),
  });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
