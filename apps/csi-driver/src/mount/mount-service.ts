import type { KeyVaultFetcher } from '@keyvault-csi/keyvault-fetcher';
import type { NmiClient, NmiIdentity } from '@keyvault-csi/nmi-client';
import {
  beginMountRequest,
  type CloudEnvironment,
  DEFAULT_MAX_MOUNT_OBJECTS,
  type MountPlan,
  objectsOfOutcome,
  templatesOfOutcome,
} from '@keyvault-csi/spc';
import { renderTemplates, TemplateRenderError } from '@keyvault-csi/templates';
import { AzureCredentials, type MountCredential } from '../credentials/azure-credentials.js';
import { identityResolutionFailure } from './identity-failure.js';
import { podIdentityKeyFor } from './identity-key.js';
import { describeLimit, InFlightBytes, type MountBytes, MountMemoryError } from './mount-memory.js';
import { ObjectsCache } from './objects-cache.js';
import { TemplatesCache } from './templates-cache.js';

/** `--max-mount-bytes`: the driver's default `--max-call-recv-msg-size`, which drops more anyway. */
export const DEFAULT_MAX_MOUNT_BYTES = 4 * 1024 * 1024;
/** `--max-inflight-mount-bytes`: two mounts at the per-mount budget (the chart's 100Mi holds ~80 MiB of runtime). */
export const DEFAULT_MAX_INFLIGHT_MOUNT_BYTES = 8 * 1024 * 1024;

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
  /** Returns the files' bytes to the process-wide budget: call once the answer is sent. */
  readonly release?: () => void;
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
  /** Service principal, workload identity, VM managed identity and identity binding credentials (default: a new cache without identity binding). */
  readonly azureCredentials?: Pick<AzureCredentials, 'forMount'>;
  /** `--max-mount-objects` (default 1,000). */
  readonly maxMountObjects?: number;
  /** `--max-mount-bytes` (default 4 MiB): fetched files and rendered templates together. */
  readonly maxMountBytes?: number;
  /** The process-wide budget of `--max-inflight-mount-bytes` (default: a new one of 16 MiB). */
  readonly inFlightBytes?: InFlightBytes;
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
  readonly #objects: ObjectsCache;
  readonly #maxMountBytes: number;
  readonly #inFlightBytes: InFlightBytes;
  /** Parsed and compiled `templates`, by the content of the class's texts. */
  readonly #templates: TemplatesCache;

  constructor(options: MountServiceOptions) {
    this.#options = options;
    this.#azureCredentials = options.azureCredentials ?? new AzureCredentials();
    this.#objects = new ObjectsCache({
      maxObjects: options.maxMountObjects ?? DEFAULT_MAX_MOUNT_OBJECTS,
      writeCertAndKeyInSeparateFiles: options.writeCertAndKeyInSeparateFiles ?? false,
    });
    this.#templates = new TemplatesCache({
      maxObjects: options.maxMountObjects ?? DEFAULT_MAX_MOUNT_OBJECTS,
      writeCertAndKeyInSeparateFiles: options.writeCertAndKeyInSeparateFiles ?? false,
    });
    this.#maxMountBytes = options.maxMountBytes ?? DEFAULT_MAX_MOUNT_BYTES;
    this.#inFlightBytes =
      options.inFlightBytes ??
      new InFlightBytes({ limit: Math.max(DEFAULT_MAX_INFLIGHT_MOUNT_BYTES, this.#maxMountBytes) });
  }

  async mount(
    input: MountInput,
    context: { readonly deadline: number; readonly signal: AbortSignal; readonly report?: MountReport },
  ): Promise<MountOutput> {
    const started = Date.now();
    // Every configuration error before any network call; the objects are parsed once per text.
    const pending = beginMountRequest(
      { attributes: input.attributes, secrets: input.secrets, permission: input.permission },
      {
        defaultCloudName: this.#options.defaultCloudName,
        ...(this.#options.defaultCloud ? { defaultCloud: this.#options.defaultCloud } : {}),
        defaultCloudEnvFileName: this.#options.defaultCloudEnvFileName ?? '',
        writeCertAndKeyInSeparateFiles: this.#options.writeCertAndKeyInSeparateFiles ?? false,
      },
    );
    const plan = pending.complete(
      objectsOfOutcome(this.#objects.outcome(pending.objectsText, pending.defaultFileMode)),
      (objects) =>
        templatesOfOutcome(
          this.#templates.outcome(
            pending.templatesText,
            pending.objectsText,
            pending.defaultFileMode,
            objects,
          ),
        ),
    );
    if (context.report) describePlan(plan, context.report);
    const { credential, identityKey } = await this.#credentialFor(plan, context, started);
    const bytes = this.#inFlightBytes.forMount(this.#maxMountBytes);
    try {
      const result = await this.#options.fetcher.fetch({
        vaultUrl: plan.vaultUrl,
        objects: plan.objects,
        credential,
        identityKey,
        abortSignal: context.signal,
        deadline: context.deadline,
        byteBudget: bytes,
      });
      const files = await this.#withTemplates(plan, result.files, bytes, context.signal);
      return { files, objectVersions: result.objectVersions, release: () => bytes.release() };
    } catch (error) {
      bytes.release();
      throw error;
    }
  }

  /**
   * extensions.md §8: every template rendered after every object is fetched, from those files only.
   * Rendered bytes are charged to the mount's byte budget like fetched ones: a render is bounded by
   * what the fetched files left of `--max-mount-bytes`, and each rendered file then takes its room
   * in the process-wide budget (it may wait there, as a fetched object does).
   */
  async #withTemplates(
    plan: MountPlan,
    files: readonly MountedFile[],
    bytes: MountBytes,
    signal: AbortSignal,
  ): Promise<readonly MountedFile[]> {
    const templates = plan.templates ?? [];
    if (templates.length === 0) return files;
    const left = bytes.maxBytes - bytes.charged;
    let rendered: readonly MountedFile[];
    try {
      rendered = renderTemplates(
        templates.map((t) => ({ fileName: t.fileName, mode: t.fileMode, template: t.template })),
        files,
        { maxOutputBytes: left },
      );
    } catch (error) {
      if (error instanceof TemplateRenderError && error.code === 'TEMPLATE_OUTPUT_TOO_LARGE') {
        throw new MountMemoryError(
          'MOUNT_BYTES_EXCEEDED',
          `template ${error.fileName}: the mount's files exceed the per-mount budget of ${describeLimit(bytes.maxBytes, 'max-mount-bytes')}: ${bytes.charged} bytes fetched, the templates' output does not fit in the ${left} bytes left`,
        );
      }
      throw error;
    }
    for (const file of rendered) {
      try {
        await bytes.charge(file.contents.byteLength, signal);
      } catch (error) {
        if (error instanceof MountMemoryError) {
          throw new MountMemoryError(error.code, `template ${file.path}: ${error.message}`);
        }
        throw error;
      }
    }
    return [...files, ...rendered];
  }

  /** The credential the mode rules of docs/spc-parameters.md §2 select and its identityKey. */
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
