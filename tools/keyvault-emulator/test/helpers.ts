import type { IncomingHttpHeaders } from 'node:http';
import { request } from 'node:https';
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import { issueTestToken } from '@keyvault-csi/test-tokens';
import { TEST_TLS_DIR } from './global-setup.js';

export { TEST_TLS_DIR };

/** A credential that issues test tokens for whatever resource the challenge names. */
export class TestTokenCredential implements TokenCredential {
  readonly scopesSeen: string[] = [];
  readonly claimsSeen: (string | undefined)[] = [];
  constructor(
    readonly clientId: string,
    private readonly options: { tenantId?: string; audience?: string; signingKey?: string } = {},
  ) {}
  async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken> {
    const scope = Array.isArray(scopes) ? scopes[0]! : scopes;
    this.scopesSeen.push(scope);
    this.claimsSeen.push(options?.claims);
    const { token, claims } = issueTestToken({
      audience: this.options.audience ?? scope.replace(/\/\.default$/, ''),
      clientId: this.clientId,
      tenantId: this.options.tenantId ?? options?.tenantId,
      signingKey: this.options.signingKey,
    });
    return { token, expiresOnTimestamp: claims.exp * 1000 };
  }
}

export interface RawResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** A bare HTTPS request (trusting the test CA via NODE_EXTRA_CA_CERTS), to see wire details the SDK hides. */
export function rawGet(
  url: string,
  options: { clientId?: string; audience?: string; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.clientId) {
    const { token } = issueTestToken({
      audience: options.audience ?? 'https://vault.azure.net',
      clientId: options.clientId,
    });
    headers['authorization'] = `Bearer ${token}`;
  }
  return new Promise((resolve, reject) => {
    request(url, { headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}
