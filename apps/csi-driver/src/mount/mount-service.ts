import type { KeyVaultFetcher } from '@keyvault-csi/keyvault-fetcher';
import type { NmiClient, NmiIdentity } from '@keyvault-csi/nmi-client';
import { type CloudEnvironment, type MountPlan, parseMountRequest } from '@keyvault-csi/spc';
import { renderTemplates, TemplateCache } from '@keyvault-csi/templates';
import { AzureCredentials, type MountCredential } from '../credentials/azure-credentials.js';
import { identityResolutionFailure } from './identity-failure.js';
import { podIdentityKeyFor } from './identity-key.js';
import { IdentityModeNotSupportedError } from './identity-mode-error.js';

/**
 * `--max-mount-bytes` default: the driver's default `--max-call-recv-msg-size` (a larger answer is
 * dropped by the driver anyway). Until that flag exists, templates are what it bounds.
 */
export const DEFAULT_MAX_MOUNT_BYTES = 4 * 1024 * 1024;

export interface MountInput {
  readonly attributes: string;
  readonly secrets: string;
  readonly permission: string;
}

export interface MountedFile {
  readonly path: string;
  readonly mode: number;
  readonly contents: Uint8Array;
}

export interface MountOutput {
  readonly files: readonly MountedFile[];
  readonly objectVersions: readonly { readonly id: string; readonly version: string }[];
}

/** What a mount is about, filled in as soon as it is known, for the one log line per mount. */
export interface MountReport {
  pod?: string;
  secretProviderClass?: string;
  objectCount?: number;
  mode?: string;
}

export interface MountServiceOptions {
  readonly nmiClient: Pick<NmiClient, 'credentialFor'>;
  readonly fetcher: Pick<KeyVaultFetcher, 'fetch'>;
  /** `--cloud-name`: used when the SecretProviderClass sets no cloudName. */
  readonly defaultCloudName: string;
  /** `--cloud-name` as the daemon resolved it at start-up (its AzureStackCloud file read then). */
  readonly defaultCloud?: CloudEnvironment;
  /** `AZURE_ENVIRONMENT_FILEPATH`: AzureStackCloud's file when the SPC names none. */
  readonly defaultCloudEnvFileName?: string;
  /** `--write-cert-and-key-in-separate-files`: split file names join the duplicate-path check. */
  readonly writeCertAndKeyInSeparateFiles?: boolean;
  /** Service principal, workload identity and VM managed identity credentials (default: a new cache). */
  readonly azureCredentials?: Pick<AzureCredentials, 'forMount'>;
  /** Bytes one mount's files may hold, rendered templates included (default 4 MiB). */
  readonly maxMountBytes?: number;
}

/**
 * One Mount, transport-free: parse the attributes (every configuration error before any network
 * call), build the credential of the identity mode, fetch every object. Shared by the gRPC daemon
 * and the one-shot `mount` command; one instance (one NMI client, one credential cache, one
 * fetcher) per process.
 */
export class MountService {
  readonly #options: MountServiceOptions;
  readonly #azureCredentials: Pick<AzureCredentials, 'forMount'>;
  /** Compiled templates shared by the mounts (and rotation polls) of the same classes. */
  readonly #templates = new TemplateCache();

  constructor(options: MountServiceOptions) {
    this.#options = options;
    this.#azureCredentials = options.azureCredentials ?? new AzureCredentials();
  }

  async mount(
    input: MountInput,
    context: { readonly deadline: number; readonly signal: AbortSignal; readonly report?: MountReport },
  ): Promise<MountOutput> {
    const started = Date.now();
    const plan = parseMountRequest(
      { attributes: input.attributes, secrets: input.secrets, permission: input.permission },
      {
        defaultCloudName: this.#options.defaultCloudName,
        ...(this.#options.defaultCloud ? { defaultCloud: this.#options.defaultCloud } : {}),
        defaultCloudEnvFileName: this.#options.defaultCloudEnvFileName ?? '',
        writeCertAndKeyInSeparateFiles: this.#options.writeCertAndKeyInSeparateFiles ?? false,
        compileTemplate: this.#templates.compile,
      },
    );
    if (context.report) describePlan(plan, context.report);
    const { credential, identityKey } = await this.#credentialFor(plan, context, started);
    const result = await this.#options.fetcher.fetch({
      vaultUrl: plan.vaultUrl,
      objects: plan.objects,
      credential,
      identityKey,
      abortSignal: context.signal,
      deadline: context.deadline,
    });
    return { files: this.#withTemplates(plan, result.files), objectVersions: result.objectVersions };
  }

  /**
   * extensions.md §8: every template rendered after every object is fetched, from those files only;
   * its output counts toward the mount's byte budget (what the fetched files left of it).
   */
  #withTemplates(plan: MountPlan, files: readonly MountedFile[]): readonly MountedFile[] {
    const templates = plan.templates ?? [];
    if (templates.length === 0) return files;
    const fetched = files.reduce((sum, file) => sum + file.contents.byteLength, 0);
    const rendered = renderTemplates(
      templates.map((t) => ({ fileName: t.fileName, mode: t.fileMode, template: t.template })),
      files,
      { maxOutputBytes: (this.#options.maxMountBytes ?? DEFAULT_MAX_MOUNT_BYTES) - fetched },
    );
    return [...files, ...rendered];
  }

  /** The credential the spec's mode rules select (spc-parameters.md §2) and its identityKey. */
  async #credentialFor(
    plan: MountPlan,
    context: { readonly deadline: number; readonly signal: AbortSignal },
    started: number,
  ): Promise<MountCredential> {
    const { identity, pod } = plan;
    switch (identity.mode) {
      case 'PodIdentity': {
        const credential = this.#options.nmiClient.credentialFor({
          pod: { namespace: pod.namespace, name: pod.name, uid: pod.uid },
          clientId: identity.podIdentityClientId === '' ? undefined : identity.podIdentityClientId,
          deadline: context.deadline,
        });
        // The pod's own NMI call (cached at most --token-cache-max-age) says which identity it
        // holds, before any Key Vault request: pods with that identity then share clients and
        // requests. The credential leased to the fetcher yields tokens from the same cache entry,
        // and only tokens of that identity: if NMI's answer changes in between (bindings edited
        // mid-mount), the token is refused (NMI_IDENTITY_MISMATCH) instead of reaching clients
        // shared by the identity the key names.
        let resolved: NmiIdentity;
        try {
          resolved = await credential.resolveIdentity(plan.cloud.keyVaultResource, {
            abortSignal: context.signal,
          });
        } catch (error) {
          throw identityResolutionFailure(error, plan, context.deadline - started);
        }
        return {
          credential: credential.forIdentity(resolved),
          identityKey: podIdentityKeyFor(plan, resolved),
        };
      }
      case 'AzureTokenProxy':
        throw new IdentityModeNotSupportedError(identity.mode);
      default:
        return this.#azureCredentials.forMount(plan);
    }
  }
}

function describePlan(plan: MountPlan, report: MountReport): void {
  report.pod = `${plan.pod.namespace}/${plan.pod.name}`;
  report.secretProviderClass = plan.secretProviderClass;
  report.objectCount = plan.objects.length;
  report.mode = plan.identity.mode;
}
