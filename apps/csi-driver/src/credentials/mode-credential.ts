import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import { CredentialError } from './credential-error.js';
import { type IdentityErrorContext, translateIdentityError } from './translate-identity-error.js';

/**
 * One mount's view of a cached `@azure/identity` credential: checks that the tenant Key Vault's
 * challenge asks for is the SecretProviderClass tenant (service principal and workload identity;
 * `expectedTenant` undefined skips it), then asks the shared credential and turns its failures into
 * CredentialErrors.
 */
export class ModeCredential implements TokenCredential {
  readonly #inner: TokenCredential;
  readonly #expectedTenant: string | undefined;
  readonly #context: IdentityErrorContext;

  constructor(inner: TokenCredential, expectedTenant: string | undefined, context: IdentityErrorContext) {
    this.#inner = inner;
    this.#expectedTenant = expectedTenant;
    this.#context = context;
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
    try {
      const token = await this.#inner.getToken(scopes, forwarded);
      if (token === null) throw new Error('the credential returned no token');
      return token;
    } catch (error) {
      throw translateIdentityError(error, this.#context);
    }
  }
}
