import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import { identityClaimsOf, redact } from '@keyvault-csi/nmi-client';
import { CredentialError } from './credential-error.js';
import { type IdentityErrorContext, translateIdentityError } from './translate-identity-error.js';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * One mount's view of a cached `@azure/identity` credential: checks that the tenant Key Vault's
 * challenge asks for is the SecretProviderClass tenant (service principal and workload identity;
 * `expectedTenant` undefined skips it), then asks the shared credential and turns its failures into
 * CredentialErrors.
 *
 * Every token it hands out (to Key Vault clients shared by every mount of the same identity key)
 * is checked against the identity that key names: the token's `appid`/`azp` claim must be
 * `expectedClientId` and its `tid` the expected tenant (when that is a tenant id, not a domain
 * name). A mismatch is refused with `IDENTITY_MISMATCH` rather than cached by a shared client.
 * Claims a token does not carry (an opaque token) are not compared.
 */
export class ModeCredential implements TokenCredential {
  readonly #inner: TokenCredential;
  readonly #expectedTenant: string | undefined;
  readonly #context: IdentityErrorContext;
  readonly #expectedClientId: string | undefined;

  constructor(
    inner: TokenCredential,
    expectedTenant: string | undefined,
    context: IdentityErrorContext,
    expectedClientId?: string,
  ) {
    this.#inner = inner;
    this.#expectedTenant = expectedTenant;
    this.#context = context;
    this.#expectedClientId = expectedClientId === '' ? undefined : expectedClientId;
  }

  async getToken(scopes: string | string[], options: GetTokenOptions = {}): Promise<AccessToken> {
    let forwarded = options;
    const challenged = options.tenantId;
    if (this.#expectedTenant !== undefined && challenged !== undefined && challenged !== '') {
      if (challenged.toLowerCase() !== this.#expectedTenant.toLowerCase()) {
        throw new CredentialError(
          'TENANT_MISMATCH',
          `${this.#context.who}: the Key Vault belongs to tenant ${challenged} (from its authentication challenge) ` +
            `but the SecretProviderClass tenantId is ${this.#expectedTenant}: set tenantId to the vault's tenant ` +
            '(az keyvault show --name <vault> --query properties.tenantId)',
        );
      }
      // Same tenant, possibly another spelling: @azure/identity compares case-sensitively.
      forwarded = { ...options, tenantId: this.#expectedTenant };
    }
    let token: AccessToken | null;
    try {
      token = await this.#inner.getToken(scopes, forwarded);
      if (token === null) throw new Error('the credential returned no token');
    } catch (error) {
      throw translateIdentityError(error, this.#context);
    }
    this.#checkIdentity(token);
    return token;
  }

  #checkIdentity(token: AccessToken): void {
    const claims = identityClaimsOf(token.token);
    const expectedClient = this.#expectedClientId?.toLowerCase();
    const expectedTenant = this.#expectedTenant?.toLowerCase();
    let differs: string | undefined;
    if (
      expectedClient !== undefined &&
      GUID.test(expectedClient) &&
      claims.appId !== undefined &&
      claims.appId !== expectedClient
    ) {
      differs = `its appid is ${redact(claims.appId)}`;
    } else if (
      expectedTenant !== undefined &&
      GUID.test(expectedTenant) &&
      claims.tenantId !== undefined &&
      claims.tenantId !== expectedTenant
    ) {
      differs = `its tid is ${claims.tenantId}`;
    }
    if (differs === undefined) return;
    throw new CredentialError(
      'IDENTITY_MISMATCH',
      `${this.#context.who}: refusing a token issued for another identity (${differs}): ` +
        'it must not reach the Key Vault clients shared by this identity',
    );
  }
}
