import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import { KeyVaultEmulator } from '@keyvault-csi/keyvault-emulator';
import { issueTestToken } from '@keyvault-csi/test-tokens';
import { type KeyVaultObject, MountFetchError } from '../src/index.js';

/** Issues real test tokens (as the fake NMI does) for the resource the challenge names; counts calls. */
export class TestCredential implements TokenCredential {
  calls = 0;
  readonly tokens: string[] = [];
  constructor(
    readonly clientId: string,
    private readonly options: { audience?: string; fail?: Error; signingKey?: string } = {},
  ) {}

  async getToken(scopes: string | string[], _options?: GetTokenOptions): Promise<AccessToken> {
    this.calls++;
    if (this.options.fail) throw this.options.fail;
    const scope = Array.isArray(scopes) ? (scopes[0] ?? '') : scopes;
    const { token, claims } = issueTestToken({
      audience: this.options.audience ?? scope.replace(/\/\.default$/, ''),
      clientId: this.clientId,
      signingKey: this.options.signingKey,
    });
    this.tokens.push(token);
    return { token, expiresOnTimestamp: claims.exp * 1000 };
  }
}

export function tlsDir(): string {
  const dir = process.env.KVF_TLS_DIR;
  if (!dir) throw new Error('KVF_TLS_DIR is not set: run through the package vitest config (globalSetup)');
  return dir;
}

/**
 * An emulator reached as `https://<vault>.vault.azure.net` through HTTPS_PROXY, the production code
 * path (challenge verification on). The proxy variables are read when SDK clients are created, so
 * they are set here, before any fetcher of the test file creates one.
 */
export async function startProxiedEmulator(options: { latencyMs?: number } = {}): Promise<KeyVaultEmulator> {
  const kv = await KeyVaultEmulator.start({ tlsDir: tlsDir(), latencyMs: options.latencyMs });
  delete process.env.NO_PROXY;
  delete process.env.no_proxy;
  process.env.HTTPS_PROXY = kv.proxyUrl;
  return kv;
}

export async function stopProxiedEmulator(kv: KeyVaultEmulator | undefined): Promise<void> {
  delete process.env.HTTPS_PROXY;
  await kv?.stop();
}

let nextIndex = 0;

/** A validated object as spc produces it, with the usual defaults. */
export function object(fields: Partial<KeyVaultObject> & Pick<KeyVaultObject, 'objectName'>): KeyVaultObject {
  const objectAlias = fields.objectAlias ?? '';
  return {
    index: nextIndex++,
    objectType: 'secret',
    objectAlias,
    objectVersion: '',
    objectVersionHistory: 0,
    objectFormat: 'pem',
    objectEncoding: 'utf-8',
    filePermission: '',
    fileMode: 0o644,
    fileName: objectAlias || fields.objectName,
    ...fields,
  };
}

export const text = (bytes: Uint8Array | undefined): string => Buffer.from(bytes ?? []).toString('utf8');

/** The MountFetchError a fetch rejects with (fails the test if it resolves or throws anything else). */
export async function mountFailure(fetching: Promise<unknown>): Promise<MountFetchError> {
  const error = await fetching.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof MountFetchError))
    throw new Error(`expected a MountFetchError, got ${String(error)}`);
  return error;
}
