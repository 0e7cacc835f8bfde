/**
 * The claims of an Azure AD access token that say whose it is. Read only: the signature is Azure
 * AD's business, and the token itself never leaves this function.
 */
export interface TokenIdentityClaims {
  /** `tid`: the tenant the token was issued in, lower case. */
  readonly tenantId: string | undefined;
  /** `oid`: the object (principal) id of the identity, lower case. */
  readonly objectId: string | undefined;
  /** `appid` (v1 tokens) or `azp` (v2 tokens): the client id the token was issued to, lower case. */
  readonly appId: string | undefined;
}

const NONE: TokenIdentityClaims = { tenantId: undefined, objectId: undefined, appId: undefined };

/**
 * `tid`, `oid` and `appid`/`azp` of an access token; every field is undefined when the token is
 * not a readable JWT or lacks the claim. One client id can name a multi-tenant service principal
 * in several tenants, so the tenant is part of which identity a token belongs to.
 */
export function identityClaimsOf(accessToken: string): TokenIdentityClaims {
  const payload = accessToken.split('.')[1];
  if (payload === undefined || payload === '') return NONE;
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return NONE;
  }
  if (typeof claims !== 'object' || claims === null) return NONE;
  const record = claims as Record<string, unknown>;
  return {
    tenantId: claim(record, 'tid'),
    objectId: claim(record, 'oid'),
    appId: claim(record, 'appid') ?? claim(record, 'azp'),
  };
}

function claim(claims: Record<string, unknown>, name: string): string | undefined {
  const value = claims[name];
  return typeof value === 'string' && value !== '' ? value.toLowerCase() : undefined;
}
