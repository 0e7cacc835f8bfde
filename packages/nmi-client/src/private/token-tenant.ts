/**
 * The `tid` claim of an Azure AD access token, or undefined when the token is not a readable JWT.
 * One client id can name an identity in several tenants (a multi-tenant service principal), so
 * the tenant is part of which identity a token belongs to. Reads the claim only; the signature is
 * Azure AD's business and the token never leaves this function.
 */
export function tenantOfToken(accessToken: string): string | undefined {
  const payload = accessToken.split('.')[1];
  if (payload === undefined || payload === '') return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    if (typeof claims !== 'object' || claims === null) return undefined;
    const tid = (claims as Record<string, unknown>)['tid'];
    return typeof tid === 'string' && tid !== '' ? tid.toLowerCase() : undefined;
  } catch {
    return undefined;
  }
}
