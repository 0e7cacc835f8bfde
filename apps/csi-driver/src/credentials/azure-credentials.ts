import type { TokenCredential } from '@azure/core-auth';
import type { IdentityConfig, MountPlan } from '@keyvault-csi/spc';
import { LRUCache } from 'lru-cache';
import { IdentityBindingCredential } from '../identity-binding/identity-binding-credential.js';
import type { TokenProxyAccess } from '../identity-binding/token-proxy-access.js';
import { identityKeyFor } from '../mount/identity-key.js';
import { CredentialError } from './credential-error.js';
import { ModeCredential } from './mode-credential.js';
import { createSecretFingerprint, type SecretFingerprint } from './secret-fingerprint.js';
import { SharedCredential } from './shared-credential.js';
import { TokenAgeLimit } from './token-age-limit.js';
import type { IdentityErrorContext } from './translate-identity-error.js';

type AzureIdentity = typeof import('@azure/identity');

/** Identity modes whose tokens come from Azure AD or IMDS through `@azure/identity`. */
export type AzureIdentityMode =
  | 'ServicePrincipal'
  | 'WorkloadIdentity'
  | 'VMManagedIdentity'
  | 'AzureTokenProxy';

export interface AzureCredentialsOptions {
  /** Credentials (each with its MSAL token cache) kept, least recently used evicted (default 128). */
  readonly maxCachedCredentials?: number;
  readonly fingerprint?: SecretFingerprint;
  /** Where `AZURE_POD_IDENTITY_AUTHORITY_HOST` is read for messages (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Retries of a failed IMDS request (default: @azure/identity's, 3 with backoff). */
  readonly imdsMaxRetries?: number;
  /** Loads `@azure/identity` (default: a dynamic import on the first mount that needs it). */
  readonly loadIdentity?: () => Promise<AzureIdentity>;
  /** Identity binding's way to the token proxy (default: none, identity-binding mounts fail). */
  readonly tokenProxy?: Pick<TokenProxyAccess, 'transport'>;
  /**
   * `--token-cache-max-age` for the service principal, workload identity and identity binding credentials (default
   * 5 min): Azure AD is asked again at most this long after it issued the token in use.
   */
  readonly tokenAgeLimit?: TokenAgeLimit;
}

export interface MountCredential {
  readonly credential: TokenCredential;
  /** For the fetcher: changes with the identity and its proof (see identityKeyFor). */
  readonly identityKey: string;
}

/**
 * Credentials of the service principal, workload identity, VM managed identity and identity binding
 * modes, built with `@azure/identity` (ClientSecretCredential, ClientAssertionCredential,
 * ManagedIdentityCredential; identity binding's through the token proxy) for the plan's cloud, and cached so repeated mounts reuse the credential's token cache instead of
 * asking Azure AD again. Cache keys hold a keyed SHA-256 of the secret or assertion, never the
 * value. One instance per process.
 */
export class AzureCredentials {
  readonly #cache: LRUCache<string, TokenCredential, () => TokenCredential>;
  readonly #fingerprint: SecretFingerprint;
  readonly #env: Readonly<Record<string, string | undefined>>;
  readonly #imdsMaxRetries: number | undefined;
  readonly #loadIdentity: () => Promise<AzureIdentity>;
  readonly #tokenProxy: Pick<TokenProxyAccess, 'transport'> | undefined;
  readonly #tokenAgeLimit: TokenAgeLimit;
  #identity: Promise<AzureIdentity> | undefined;

  constructor(options: AzureCredentialsOptions = {}) {
    // memo(): the credential for a key, or the one its `context` creates (kept as most recently used).
    this.#cache = new LRUCache({
      max: options.maxCachedCredentials ?? 128,
      memoMethod: (_key, _stale, { context }) => context(),
    });
    this.#fingerprint = options.fingerprint ?? createSecretFingerprint();
    this.#env = options.env ?? process.env;
    this.#imdsMaxRetries = options.imdsMaxRetries;
    this.#loadIdentity = options.loadIdentity ?? (() => import('@azure/identity'));
    this.#tokenProxy = options.tokenProxy;
    this.#tokenAgeLimit = options.tokenAgeLimit ?? new TokenAgeLimit();
  }

  /** Credentials built so far and still cached. */
  get cachedCredentials(): number {
    return this.#cache.size;
  }

  /**
   * The credential of one mount. The plan is already valid: a service principal without its
   * `clientid`/`clientsecret` never gets here (`parseMountRequest` rejects it at step 11). Throws
   * CredentialError `INVALID_CREDENTIAL_CONFIG` when @azure/identity refuses the configuration.
   */
  async forMount(plan: MountPlan): Promise<MountCredential> {
    const { identity } = plan;
    switch (identity.mode) {
      case 'ServicePrincipal':
        return this.#servicePrincipal(plan, identity);
      case 'WorkloadIdentity':
        return this.#workloadIdentity(plan, identity);
      case 'VMManagedIdentity':
        return this.#managedIdentity(plan, identity);
      case 'AzureTokenProxy':
        return this.#identityBinding(plan, identity);
      default:
        throw new Error(`AzureCredentials does not serve the ${identity.mode} mode`);
    }
  }

  async #servicePrincipal(
    plan: MountPlan,
    identity: Extract<IdentityConfig, { mode: 'ServicePrincipal' }>,
  ): Promise<MountCredential> {
    const secret = identity.clientSecret;
    const fingerprint = this.#fingerprint(secret);
    const who = `service principal ${identity.clientId} in tenant ${plan.tenantId}`;
    const { ClientSecretCredential } = await this.#azureIdentity();
    const inner = this.#cached(
      ['ServicePrincipal', plan, identity.clientId, fingerprint],
      who,
      () =>
        new ClientSecretCredential(plan.tenantId, identity.clientId, secret, {
          authorityHost: plan.cloud.activeDirectoryEndpoint,
        }),
    );
    return {
      credential: new ModeCredential(
        inner,
        plan.tenantId,
        { who, source: 'aad', redact: [secret] },
        identity.clientId,
      ),
      identityKey: identityKeyFor(plan, fingerprint),
    };
  }

  async #workloadIdentity(
    plan: MountPlan,
    identity: Extract<IdentityConfig, { mode: 'WorkloadIdentity' }>,
  ): Promise<MountCredential> {
    const assertion = identity.serviceAccountToken;
    const fingerprint = this.#fingerprint(assertion);
    const who = `workload identity ${identity.clientId} in tenant ${plan.tenantId}`;
    const { ClientAssertionCredential } = await this.#azureIdentity();
    const inner = this.#cached(
      ['WorkloadIdentity', plan, identity.clientId, fingerprint],
      who,
      () =>
        new ClientAssertionCredential(plan.tenantId, identity.clientId, async () => assertion, {
          authorityHost: plan.cloud.activeDirectoryEndpoint,
        }),
    );
    return {
      credential: new ModeCredential(
        inner,
        plan.tenantId,
        { who, source: 'aad', redact: [assertion] },
        identity.clientId,
      ),
      identityKey: identityKeyFor(plan, fingerprint),
    };
  }

  /**
   * Identity binding: ClientAssertionCredential with the `api://AKSIdentityBinding` token, the
   * cloud's real login host and no instance discovery, its requests rewritten onto the token proxy
   * by the process-wide transport. Cached and checked like workload identity.
   */
  async #identityBinding(
    plan: MountPlan,
    identity: Extract<IdentityConfig, { mode: 'AzureTokenProxy' }>,
  ): Promise<MountCredential> {
    if (this.#tokenProxy === undefined) {
      throw new CredentialError(
        'TOKEN_PROXY_NOT_AVAILABLE',
        'failed to get keyvault client: identity binding proxy transport not initialized (call SetProxyTransport during startup)',
      );
    }
    const transport = await this.#tokenProxy.transport();
    const assertion = identity.serviceAccountToken;
    const fingerprint = this.#fingerprint(assertion);
    const who = `identity binding ${identity.clientId} in tenant ${plan.tenantId}`;
    const context: IdentityErrorContext = { who, source: 'aad', redact: [assertion] };
    const { ClientAssertionCredential } = await this.#azureIdentity();
    const inner = this.#cached(['AzureTokenProxy', plan, identity.clientId, fingerprint], who, () => {
      const httpClient = transport.client();
      return new IdentityBindingCredential(
        new ClientAssertionCredential(plan.tenantId, identity.clientId, async () => assertion, {
          authorityHost: plan.cloud.activeDirectoryEndpoint,
          disableInstanceDiscovery: true,
          httpClient,
        }),
        httpClient,
        context,
      );
    });
    return {
      credential: new ModeCredential(inner, plan.tenantId, context, identity.clientId),
      identityKey: identityKeyFor(plan, fingerprint),
    };
  }

  async #managedIdentity(
    plan: MountPlan,
    identity: Extract<IdentityConfig, { mode: 'VMManagedIdentity' }>,
  ): Promise<MountCredential> {
    const clientId = identity.userAssignedIdentityId;
    const who =
      clientId === ''
        ? 'VM managed identity (system-assigned)'
        : `VM managed identity (user-assigned, client id ${clientId})`;
    const { ManagedIdentityCredential } = await this.#azureIdentity();
    const retries =
      this.#imdsMaxRetries === undefined ? {} : { retryOptions: { maxRetries: this.#imdsMaxRetries } };
    const key = JSON.stringify(['VMManagedIdentity', clientId.toLowerCase()]);
    // IMDS keeps its own token cache, so a new credential would not make it issue a new token: no
    // age limit here, a managed identity's revocation is IMDS's.
    const inner = this.#cache.memo(key, {
      context: () =>
        construct(who, undefined, () =>
          clientId === ''
            ? new ManagedIdentityCredential({ ...retries })
            : new ManagedIdentityCredential({ clientId, ...retries }),
        ),
    });
    const context: IdentityErrorContext = {
      who,
      source: 'imds',
      imdsEndpoint: this.#env['AZURE_POD_IDENTITY_AUTHORITY_HOST'] || 'http://169.254.169.254',
      redact: [],
    };
    // A managed identity belongs to the node's tenant; the SecretProviderClass tenant is not used.
    return {
      credential: new ModeCredential(inner, undefined, context, clientId),
      identityKey: identityKeyFor(plan),
    };
  }

  #cached(
    [mode, plan, clientId, fingerprint]: readonly [AzureIdentityMode, MountPlan, string, string],
    who: string,
    create: () => TokenCredential,
  ): TokenCredential {
    const key = JSON.stringify([
      mode,
      plan.tenantId.toLowerCase(),
      clientId,
      plan.cloud.activeDirectoryEndpoint,
      fingerprint,
    ]);
    return this.#cache.memo(key, { context: () => construct(who, this.#tokenAgeLimit, create) });
  }

  #azureIdentity(): Promise<AzureIdentity> {
    this.#identity ??= this.#loadIdentity();
    return this.#identity;
  }
}

function construct(
  who: string,
  ageLimit: TokenAgeLimit | undefined,
  create: () => TokenCredential,
): TokenCredential {
  try {
    return new SharedCredential(create, ageLimit);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new CredentialError('INVALID_CREDENTIAL_CONFIG', `${who}: ${reason}`);
  }
}
