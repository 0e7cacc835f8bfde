import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';

/**
 * Access tokens issued by our test doubles (fake NMI, fake Azure AD) and checked by the Key Vault
 * emulator. They are real JWTs (HS256) so the SDKs and our code treat them as opaque bearer
 * tokens, and the emulator can trust exactly the tokens a double issued: the doubles and the
 * emulator share a signing key instead of a registration channel.
 */

export const DEFAULT_TEST_SIGNING_KEY = 'keyvault-csi-test-signing-key';

export interface TestTokenClaims {
  /** Audience: the resource the token is for, e.g. `https://vault.azure.net`. */
  readonly aud: string;
  /** Client (application) id of the identity. */
  readonly appid: string;
  /** Object id of the identity. */
  readonly oid: string;
  /** Tenant id. */
  readonly tid: string;
  /** Issuer, `https://sts.windows.net/<tid>/`. */
  readonly iss: string;
  /** Issued at, Unix seconds. */
  readonly iat: number;
  /** Not before, Unix seconds. */
  readonly nbf: number;
  /** Expiry, Unix seconds. */
  readonly exp: number;
  /** Unique token id. */
  readonly jti: string;
}

export interface IssueTestTokenOptions {
  readonly audience: string;
  readonly clientId: string;
  /** Defaults to a deterministic id derived from the client id. */
  readonly objectId?: string;
  readonly tenantId?: string;
  /** Token lifetime in seconds (default 3600). */
  readonly lifetimeSeconds?: number;
  /** Current time in ms (default `Date.now()`). */
  readonly nowMs?: number;
  readonly signingKey?: string;
}

export const DEFAULT_TEST_TENANT_ID = '72f988bf-0000-0000-0000-000000000000';

function b64url(input: Buffer | string): string {
  return Buffer.from(input).toString('base64url');
}

function sign(data: string, key: string): string {
  return createHmac('sha256', key).update(data).digest('base64url');
}

/** Object id the doubles assign to a client id when none is given. */
export function objectIdForClient(clientId: string): string {
  const h = createHmac('sha256', 'oid').update(clientId).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export function issueTestToken(options: IssueTestTokenOptions): { token: string; claims: TestTokenClaims } {
  const now = Math.floor((options.nowMs ?? Date.now()) / 1000);
  const tid = options.tenantId ?? DEFAULT_TEST_TENANT_ID;
  const claims: TestTokenClaims = {
    aud: options.audience,
    appid: options.clientId,
    oid: options.objectId ?? objectIdForClient(options.clientId),
    tid,
    iss: `https://sts.windows.net/${tid}/`,
    iat: now,
    nbf: now - 300,
    exp: now + (options.lifetimeSeconds ?? 3600),
    jti: randomUUID(),
  };
  const head = `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64url(JSON.stringify(claims))}`;
  return { token: `${head}.${sign(head, options.signingKey ?? DEFAULT_TEST_SIGNING_KEY)}`, claims };
}

export type TestTokenCheck =
  | { readonly ok: true; readonly claims: TestTokenClaims }
  | { readonly ok: false; readonly reason: 'malformed' | 'bad-signature' | 'expired' | 'not-yet-valid' };

/** Checks shape, signature and time window; the audience is the caller's business. */
export function verifyTestToken(
  token: string,
  options: { readonly signingKey?: string; readonly nowMs?: number } = {},
): TestTokenCheck {
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, reason: 'malformed' };
  const [header, payload, signature] = parts as [string, string, string];
  const expected = Buffer.from(sign(`${header}.${payload}`, options.signingKey ?? DEFAULT_TEST_SIGNING_KEY));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    return { ok: false, reason: 'bad-signature' };
  }
  let claims: TestTokenClaims;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as TestTokenClaims;
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (typeof claims !== 'object' || claims === null || typeof claims.exp !== 'number') {
    return { ok: false, reason: 'malformed' };
  }
  const now = Math.floor((options.nowMs ?? Date.now()) / 1000);
  if (claims.exp <= now) return { ok: false, reason: 'expired' };
  if (typeof claims.nbf === 'number' && claims.nbf > now) return { ok: false, reason: 'not-yet-valid' };
  return { ok: true, claims };
}
