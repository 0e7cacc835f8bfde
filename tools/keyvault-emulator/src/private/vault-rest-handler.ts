import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { constants as http2Constants, type ServerHttp2Stream } from 'node:http2';
import type { Socket } from 'node:net';
import { verifyTestToken } from '@keyvault-csi/test-tokens';
import type {
  Collection,
  EmulatedVault,
  StoredCertificate,
  StoredKey,
  StoredSecret,
} from '../emulated-vault.js';
import type { FaultAction, FaultInjector } from '../fault-rules.js';
import type { RequestLog, RequestRecord } from '../request-log.js';
import { authorityFor } from './clouds.js';
import * as errors from './key-vault-errors.js';

export interface VaultRequestContext {
  readonly vault: EmulatedVault;
  /** Audience the token must carry. */
  readonly resource: string;
  /** Scheme + authority used in object identifiers, e.g. `https://kv.vault.azure.net`. */
  readonly idBase: string;
  /** Scheme + authority for `nextLink`s (proxied hosts carry an explicit `:443`, as Key Vault does). */
  readonly nextLinkBase: string;
  readonly via: RequestRecord['via'];
  /** The TCP socket under any TLS layer, for connection resets. */
  readonly rawSocket: Socket;
}

export interface VaultHandlerDeps {
  readonly log: RequestLog;
  readonly faults: FaultInjector;
  readonly latencyMs: () => number;
  readonly signingKey: string | undefined;
  readonly now: () => number;
  readonly acceptedApiVersions: readonly string[] | undefined;
  readonly attempts: AttemptCounter;
}

/** Counts authorised attempts per `x-ms-client-request-id` (bounded memory). */
export class AttemptCounter {
  readonly #counts = new Map<string, number>();
  next(clientRequestId: string | undefined): number {
    if (!clientRequestId) return 1;
    const n = (this.#counts.get(clientRequestId) ?? 0) + 1;
    if (this.#counts.size > 50_000) this.#counts.clear();
    this.#counts.set(clientRequestId, n);
    return n;
  }
  clear(): void {
    this.#counts.clear();
  }
}

const API_VERSION = /^(\d{4}-\d{2}-\d{2}(-preview)?|\d+\.\d+(-preview(\.\d+)?)?)$/;
const COLLECTIONS: ReadonlySet<string> = new Set(['secrets', 'keys', 'certificates']);
const DEFAULT_PAGE_SIZE = 25;

/** Waits, but stops early when the client goes away, so held requests never outlive their socket. */
function sleepUnlessClosed(ms: number, res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      res.off('close', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    res.once('close', done);
  });
}

interface Reply {
  readonly status: number;
  readonly body: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly errorCode?: string;
}

/** Serves one Key Vault data-plane request for one vault. */
export async function handleVaultRequest(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: VaultRequestContext,
  deps: VaultHandlerDeps,
): Promise<void> {
  req.resume();
  const url = new URL(req.url ?? '/', 'https://emulator.invalid');
  const method = (req.method ?? 'GET').toUpperCase();
  const apiVersion = url.searchParams.get('api-version') ?? undefined;
  const clientRequestId = header(req, 'x-ms-client-request-id');
  const authorization = header(req, 'authorization');
  const vault = ctx.vault;
  const record = deps.log.add({
    time: deps.now(),
    vault: vault.name,
    method,
    path: url.pathname,
    apiVersion,
    identity: undefined,
    probe: authorization === undefined,
    status: 0,
    errorCode: undefined,
    via: ctx.via,
    clientRequestId,
    httpVersion: req.httpVersion,
    fault: undefined,
  });
  const baseHeaders: Record<string, string> = {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-cache',
    'x-ms-request-id': randomUUID(),
    'x-ms-keyvault-region': vault.location,
    'x-ms-keyvault-service-version': '1.9.0.0',
    'x-ms-keyvault-network-info': `conn_type=Ipv4;addr=${req.socket.remoteAddress ?? '127.0.0.1'};act_addr_fam=InterNetwork;`,
  };
  if (clientRequestId !== undefined) baseHeaders['x-ms-client-request-id'] = clientRequestId;
  let truncate = false;
  // Over HTTP/2 a fault breaks its own stream (RST_STREAM), not the connection the other requests
  // share; over HTTP/1.1 the connection is the request's own, and it is reset.
  const h2Stream = (res as unknown as { stream?: ServerHttp2Stream }).stream;
  const breakOff = (): void => {
    if (h2Stream) h2Stream.close(http2Constants.NGHTTP2_INTERNAL_ERROR);
    else ctx.rawSocket.resetAndDestroy();
  };
  let clientGone = false;
  res.once('close', () => {
    clientGone = !res.writableEnded;
  });

  const finish = (reply: Reply): void => {
    record.status = reply.status;
    record.errorCode = reply.errorCode;
    const body = Buffer.from(reply.body, 'utf8');
    res.writeHead(reply.status, { ...baseHeaders, ...reply.headers, 'content-length': String(body.length) });
    if (!truncate) {
      res.end(body);
      return;
    }
    record.status = 0;
    res.write(body.subarray(0, Math.floor(body.length / 2)), () => breakOff());
  };
  const fail = (e: errors.KeyVaultErrorReply, extraHeaders?: Record<string, string>): void =>
    finish({
      status: e.status,
      body: errors.errorBody(e),
      headers: { ...e.headers, ...extraHeaders },
      errorCode: e.innerCode ?? e.code,
    });
  /** Returns true when the action answered the request itself. */
  const applyFault = async (action: FaultAction | undefined): Promise<boolean> => {
    if (!action) return false;
    record.fault = action.type;
    switch (action.type) {
      case 'delay':
        await sleepUnlessClosed(action.ms, res);
        return clientGone;
      case 'truncate':
        truncate = true;
        return false;
      case 'reset':
        record.status = 0;
        breakOff();
        return true;
      case 'throttle': {
        const headers: Record<string, string> = {};
        if (action.retryAfterSeconds !== undefined) headers['retry-after'] = String(action.retryAfterSeconds);
        if (action.retryAfterMs !== undefined) headers['retry-after-ms'] = String(action.retryAfterMs);
        fail(errors.throttled(action.reason), headers);
        return true;
      }
      case 'unavailable':
        fail(
          errors.serviceUnavailable(),
          action.retryAfterSeconds !== undefined ? { 'retry-after': String(action.retryAfterSeconds) } : {},
        );
        return true;
      case 'claims-challenge': {
        const claims =
          action.claims ??
          JSON.stringify({
            access_token: { nbf: { essential: true, value: String(Math.floor(deps.now() / 1000)) } },
          });
        fail(errors.claimsRequired(), {
          'www-authenticate':
            `Bearer realm="", authorization_uri="${authorityFor(ctx.resource)}/common/oauth2/authorize", ` +
            `error="insufficient_claims", claims="${Buffer.from(claims).toString('base64')}"`,
        });
        return true;
      }
      case 'status':
        fail({
          status: action.status,
          code: action.code ?? defaultCodeFor(action.status),
          message: action.message ?? `Injected fault: status ${action.status}.`,
          innerCode: action.innerCode,
          headers: action.headers,
        });
        return true;
    }
  };

  const latency = deps.latencyMs();
  if (latency > 0) {
    await sleepUnlessClosed(latency, res);
    if (clientGone) return;
  }

  const challenge = challengeHeader(vault, ctx.resource);
  if (authorization === undefined) {
    const action = deps.faults.match({
      path: url.pathname,
      method,
      vault: vault.name,
      identity: undefined,
      attempt: 0,
    });
    if (await applyFault(action)) return;
    fail(errors.missingToken(), challenge);
    return;
  }

  const token = /^Bearer\s+(\S+)$/i.exec(authorization)?.[1];
  const check = token
    ? verifyTestToken(token, { signingKey: deps.signingKey, nowMs: deps.now() })
    : ({ ok: false, reason: 'malformed' } as const);
  if (!check.ok) {
    fail(errors.invalidToken(check.reason), challenge);
    return;
  }
  const claims = check.claims;
  if (claims.aud !== ctx.resource) {
    fail(errors.invalidAudience(ctx.resource, String(claims.aud)), challenge);
    return;
  }
  if (claims.tid !== vault.tenantId) {
    fail(errors.invalidIssuer(vault.tenantId, String(claims.iss)), challenge);
    return;
  }
  const identity = { appid: String(claims.appid), oid: String(claims.oid), tid: String(claims.tid) };
  (record as { identity: string | undefined }).identity = identity.appid;

  const attempt = deps.attempts.next(clientRequestId);
  if (
    await applyFault(deps.faults.match({ path: url.pathname, method, vault: vault.name, identity, attempt }))
  ) {
    return;
  }

  if (apiVersion === undefined) {
    fail(errors.badParameter('The api-version query parameter is missing.'));
    return;
  }
  if (
    !API_VERSION.test(apiVersion) ||
    (deps.acceptedApiVersions && !deps.acceptedApiVersions.includes(apiVersion))
  ) {
    fail(errors.badParameter(`The specified version (${apiVersion}) is not recognized.`));
    return;
  }
  if (method !== 'GET') {
    fail(errors.methodNotAllowed(method, url.pathname));
    return;
  }
  const segments = url.pathname.split('/').slice(1);
  const [collectionName, requestedName, third, ...rest] = segments;
  // `GET /secrets` (also `/secrets/`): the collection listing (current version of every object).
  const listsCollection = !requestedName && third === undefined;
  if (
    !collectionName ||
    !COLLECTIONS.has(collectionName) ||
    (!requestedName && !listsCollection) ||
    rest.length > 0
  ) {
    fail(errors.badParameter(`The emulator does not serve ${method} ${url.pathname}.`));
    return;
  }
  const collection = collectionName as Collection;
  const operation = third === 'versions' || listsCollection ? 'list' : 'get';
  const name = listsCollection ? '' : (vault.canonicalName(collection, requestedName!) ?? requestedName!);

  if (vault.firewallClientAddress !== undefined) {
    fail(errors.forbiddenByFirewall(vault.firewallClientAddress, vault.name, vault.location));
    return;
  }
  if (!vault.isAllowed(identity, collection, operation)) {
    fail(
      vault.isRbac
        ? errors.forbiddenByRbac(identity, collection, operation, name, vault.name, vault.location)
        : errors.accessDenied(identity, collection, operation, vault.name, vault.location),
    );
    return;
  }

  if (operation === 'list') {
    const page = listsCollection
      ? listPage(collection, undefined, url.searchParams, ctx, apiVersion)
      : listPage(collection, name, url.searchParams, ctx, apiVersion);
    if ('code' in page) {
      fail(page);
      return;
    }
    finish({ status: 200, body: JSON.stringify(page) });
    return;
  }

  const version = third || undefined;
  const stored = vault.lookup(collection, name, version);
  if (!stored) {
    fail(errors.objectNotFound(collection, version ? `${name}/${version}` : name));
    return;
  }
  if (!stored.enabled) {
    fail(errors.objectDisabled(collection));
    return;
  }
  finish({ status: 200, body: JSON.stringify(bundle(collection, name, stored, ctx.idBase)) });
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function defaultCodeFor(status: number): string {
  if (status === 429) return 'Throttled';
  if (status === 401) return 'Unauthorized';
  if (status === 403) return 'Forbidden';
  if (status === 404) return 'NotFound';
  if (status >= 500) return status === 503 ? 'ServiceUnavailable' : 'InternalServerError';
  return 'BadParameter';
}

function challengeHeader(vault: EmulatedVault, resource: string): Record<string, string> {
  const authority = `${authorityFor(resource)}/${vault.tenantId}`;
  switch (vault.challenge) {
    case 'no-header':
      return {};
    case 'scope':
      return { 'www-authenticate': `Bearer authorization="${authority}", scope="${resource}/.default"` };
    case 'bad-authorization':
      return { 'www-authenticate': `Bearer authorization="not-a-uri", resource="${resource}"` };
    default:
      return { 'www-authenticate': `Bearer authorization="${authority}", resource="${resource}"` };
  }
}

function attributes(v: StoredSecret | StoredKey | StoredCertificate): Record<string, unknown> {
  const out: Record<string, unknown> = { enabled: v.enabled };
  if (v.nbf !== undefined) out['nbf'] = v.nbf;
  if (v.exp !== undefined) out['exp'] = v.exp;
  out['created'] = v.created;
  out['updated'] = v.updated;
  out['recoverableDays'] = 90;
  out['recoveryLevel'] = 'Recoverable+Purgeable';
  return out;
}

function bundle(
  collection: Collection,
  name: string,
  stored: StoredSecret | StoredKey | StoredCertificate,
  idBase: string,
) {
  const path = (c: Collection) => `${idBase}/${c}/${name}/${stored.version}`;
  if (collection === 'secrets') {
    const s = stored as StoredSecret;
    return {
      value: s.value,
      ...(s.contentType !== undefined ? { contentType: s.contentType } : {}),
      id: path('secrets'),
      attributes: attributes(s),
      tags: s.tags,
      ...(s.managed ? { kid: path('keys'), managed: true } : {}),
    };
  }
  if (collection === 'keys') {
    const k = stored as StoredKey;
    return {
      key: { kid: path('keys'), ...k.jwk, key_ops: k.keyOps },
      attributes: attributes(k),
      tags: k.tags,
      ...(k.managed ? { managed: true } : {}),
    };
  }
  const c = stored as StoredCertificate;
  return {
    id: path('certificates'),
    kid: path('keys'),
    sid: path('secrets'),
    x5t: c.x5t,
    cer: c.cer.toString('base64'),
    contentType: c.contentType,
    attributes: attributes(c),
    tags: c.tags,
    policy: {
      id: `${idBase}/certificates/${name}/policy`,
      key_props: { exportable: true, kty: c.keyType, reuse_key: false },
      secret_props: { contentType: c.contentType },
      attributes: { enabled: true, created: c.created, updated: c.updated },
    },
  };
}

function listItem(
  collection: Collection,
  name: string,
  stored: StoredSecret | StoredKey | StoredCertificate,
  idBase: string,
) {
  const ref = `${idBase}/${collection}/${name}/${stored.version}`;
  if (collection === 'secrets') {
    const s = stored as StoredSecret;
    return {
      id: ref,
      attributes: attributes(s),
      tags: s.tags,
      ...(s.contentType !== undefined ? { contentType: s.contentType } : {}),
      ...(s.managed ? { managed: true } : {}),
    };
  }
  if (collection === 'keys') {
    return {
      kid: ref,
      attributes: attributes(stored),
      tags: stored.tags,
      ...((stored as StoredKey).managed ? { managed: true } : {}),
    };
  }
  return {
    id: ref,
    x5t: (stored as StoredCertificate).x5t,
    attributes: attributes(stored),
    tags: stored.tags,
  };
}

/**
 * One page of a version listing (`name`) or of the collection listing (`undefined`: the current
 * version of every object, its id without a version, as Key Vault lists them), with `nextLink`.
 */
function listPage(
  collection: Collection,
  name: string | undefined,
  params: URLSearchParams,
  ctx: VaultRequestContext,
  apiVersion: string,
): { value: unknown[]; nextLink: string | null } | errors.KeyVaultErrorReply {
  const maxResultsText = params.get('maxresults');
  const pageSize = maxResultsText === null ? DEFAULT_PAGE_SIZE : Number(maxResultsText);
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 25) {
    return errors.badParameter(
      `Invalid value for maxresults: '${maxResultsText}'. It must be between 1 and 25.`,
    );
  }
  let offset = 0;
  const skipToken = params.get('$skiptoken');
  if (skipToken !== null) {
    try {
      offset = (JSON.parse(Buffer.from(skipToken, 'base64url').toString('utf8')) as { offset: number })
        .offset;
    } catch {
      offset = Number.NaN;
    }
    if (!Number.isInteger(offset) || offset < 0) return errors.badParameter('Invalid $skiptoken.');
  }
  const value =
    name === undefined
      ? collectionItems(collection, ctx).slice(offset, offset + pageSize)
      : ctx.vault
          .versions(collection, name)
          .slice(offset, offset + pageSize)
          .map((v) => listItem(collection, name, v, ctx.idBase));
  const total =
    name === undefined
      ? collectionItems(collection, ctx).length
      : ctx.vault.versions(collection, name).length;
  const all = { length: total };
  let nextLink: string | null = null;
  if (offset + pageSize < all.length) {
    const next = new URLSearchParams({
      'api-version': apiVersion,
      $skiptoken: Buffer.from(JSON.stringify({ offset: offset + pageSize })).toString('base64url'),
      maxresults: String(pageSize),
    });
    const listed = name === undefined ? collection : `${collection}/${name}/versions`;
    nextLink = `${ctx.nextLinkBase}/${listed}?${next.toString().replace('%24skiptoken', '$skiptoken')}`;
  }
  return { value, nextLink };
}

/** The collection listing: every object's current version, by name, ids without the version. */
function collectionItems(collection: Collection, ctx: VaultRequestContext): Record<string, unknown>[] {
  const items: Record<string, unknown>[] = [];
  for (const name of ctx.vault
    .names(collection)
    .sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()))) {
    const current = ctx.vault.lookup(collection, name);
    if (!current) continue;
    const item = listItem(collection, name, current, ctx.idBase);
    const unversioned = `${ctx.idBase}/${collection}/${name}`;
    items.push(collection === 'keys' ? { ...item, kid: unversioned } : { ...item, id: unversioned });
  }
  return items;
}
