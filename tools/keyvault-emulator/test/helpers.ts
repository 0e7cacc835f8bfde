import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import { issueTestToken } from '@keyvault-csi/test-tokens';
import { TEST_TLS_DIR } from './global-setup.js';

export { TEST_TLS_DIR };

/** A credential that issues test tokens for whatever resource the challenge names. */
export class TestTokenCredential implements TokenCredential {
  readonly scopesSeen: string[] = [];
  constructor(
    readonly clientId: string,
    private readonly options: { tenantId?: string; audience?: string; signingKey?: string } = {},
  ) {}
  async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken> {
    const scope = Array.isArray(scopes) ? scopes[0]! : scopes;
    this.scopesSeen.push(scope);
    const { token, claims } = issueTestToken({
      audience: this.options.audience ?? scope.replace(/\/\.default$/, ''),
      clientId: this.clientId,
      tenantId: this.options.tenantId ?? options?.tenantId,
      signingKey: this.options.signingKey,
    });
    return { token, expiresOnTimestamp: claims.exp * 1000 };
  }
}
