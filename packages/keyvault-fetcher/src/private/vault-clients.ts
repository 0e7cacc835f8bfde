import type { TokenCredential } from '@azure/core-auth';
import { CertificateClient } from '@azure/keyvault-certificates';
import { KeyClient } from '@azure/keyvault-keys';
import { SecretClient } from '@azure/keyvault-secrets';
import type { KeyVaultClientOptions } from '../options.js';
import { DelegatingCredential } from './delegating-credential.js';

export interface VaultClientsOptions {
  readonly clientOptions: KeyVaultClientOptions;
  readonly userAgentPrefix: string | undefined;
  readonly onCredentialError: (error: unknown) => void;
  readonly onClientCreated: () => void;
}

/**
 * The SDK clients for one (vault URL, identity), created on first use. Each client runs its own
 * challenge handshake and token cycler once and then reuses them for every later mount.
 */
export class VaultClients {
  readonly credential: DelegatingCredential;
  readonly #vaultUrl: string;
  readonly #options: VaultClientsOptions;
  #secrets: SecretClient | undefined;
  #keys: KeyClient | undefined;
  #certificates: CertificateClient | undefined;

  constructor(vaultUrl: string, options: VaultClientsOptions) {
    this.#vaultUrl = vaultUrl;
    this.#options = options;
    this.credential = new DelegatingCredential(options.onCredentialError);
  }

  lease(credential: TokenCredential): () => void {
    return this.credential.lease(credential);
  }

  get secrets(): SecretClient {
    this.#secrets ??= this.#create((url, cred, opts) => new SecretClient(url, cred, opts));
    return this.#secrets;
  }

  get keys(): KeyClient {
    this.#keys ??= this.#create((url, cred, opts) => new KeyClient(url, cred, opts));
    return this.#keys;
  }

  get certificates(): CertificateClient {
    this.#certificates ??= this.#create((url, cred, opts) => new CertificateClient(url, cred, opts));
    return this.#certificates;
  }

  #create<C>(factory: (url: string, credential: TokenCredential, options: KeyVaultClientOptions) => C): C {
    const { clientOptions, userAgentPrefix } = this.#options;
    const options = {
      ...clientOptions,
      ...(userAgentPrefix ? { userAgentOptions: { userAgentPrefix } } : {}),
    };
    this.#options.onClientCreated();
    return factory(this.#vaultUrl, this.credential, options);
  }
}
