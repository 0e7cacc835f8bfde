import type { TokenCredential } from '@azure/core-auth';
import type { HttpClient } from '@azure/core-rest-pipeline';
import { CertificateClient } from '@azure/keyvault-certificates';
import { KeyClient } from '@azure/keyvault-keys';
import { SecretClient } from '@azure/keyvault-secrets';
import type { KeyVaultClientOptions } from '../options.js';
import { ChallengeGate } from './challenge-gate.js';
import { DelegatingCredential } from './delegating-credential.js';

export interface VaultClientsOptions {
  readonly clientOptions: KeyVaultClientOptions;
  readonly userAgentPrefix: string | undefined;
  /** The fetcher's shared transport for new SDK clients; undefined keeps the SDK's own. */
  readonly httpClient: () => HttpClient | undefined;
  readonly onCredentialError: (error: unknown) => void;
  readonly onClientCreated: () => void;
}

/** One SDK client with the credential it was built with and the gate for its first challenge. */
export interface GatedClient<C> {
  readonly client: C;
  readonly gate: ChallengeGate;
}

type Factory<C> = (url: string, credential: TokenCredential, options: KeyVaultClientOptions) => C;

/** An SDK client created on first use, each with its own challenge state, credential and gate. */
class LazyClient<C> {
  readonly credential: DelegatingCredential;
  readonly gate = new ChallengeGate();
  #client: C | undefined;

  constructor(
    private readonly create: (credential: TokenCredential) => C,
    onCredentialError: (error: unknown) => void,
  ) {
    this.credential = new DelegatingCredential(onCredentialError, () => this.gate.open());
  }

  get(): GatedClient<C> {
    this.#client ??= this.create(this.credential);
    return { client: this.#client, gate: this.gate };
  }
}

/**
 * The SDK clients for one (vault URL, identity). Each client runs its own challenge handshake and
 * token cycler once and then reuses them for every later mount.
 */
export class VaultClients {
  readonly #secrets: LazyClient<SecretClient>;
  readonly #keys: LazyClient<KeyClient>;
  readonly #certificates: LazyClient<CertificateClient>;

  constructor(vaultUrl: string, options: VaultClientsOptions) {
    const make =
      <C>(factory: Factory<C>) =>
      (credential: TokenCredential): C => {
        const httpClient = options.httpClient();
        options.onClientCreated();
        const clientOptions = {
          ...options.clientOptions,
          ...(httpClient ? { httpClient } : {}),
          ...(options.userAgentPrefix
            ? { userAgentOptions: { userAgentPrefix: options.userAgentPrefix } }
            : {}),
        };
        return factory(vaultUrl, credential, clientOptions);
      };
    this.#secrets = new LazyClient(
      make((u, c, o) => new SecretClient(u, c, o)),
      options.onCredentialError,
    );
    this.#keys = new LazyClient(
      make((u, c, o) => new KeyClient(u, c, o)),
      options.onCredentialError,
    );
    this.#certificates = new LazyClient(
      make((u, c, o) => new CertificateClient(u, c, o)),
      options.onCredentialError,
    );
  }

  /** Routes token requests of all three clients to `credential` until the returned function is called. */
  lease(credential: TokenCredential): () => void {
    const releases = [this.#secrets, this.#keys, this.#certificates].map((c) =>
      c.credential.lease(credential),
    );
    return () => {
      for (const release of releases) release();
    };
  }

  /** True while any of the clients waits for a token from the leased credential. */
  get tokenPending(): boolean {
    return [this.#secrets, this.#keys, this.#certificates].some((c) => c.credential.tokenPending);
  }

  get secrets(): GatedClient<SecretClient> {
    return this.#secrets.get();
  }

  get keys(): GatedClient<KeyClient> {
    return this.#keys.get();
  }

  get certificates(): GatedClient<CertificateClient> {
    return this.#certificates.get();
  }
}
