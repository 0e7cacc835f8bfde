/**
 * The validated result of a Mount request: everything the provider needs to fetch and write the
 * volume, resolved before any network call. Produced by `parseMountRequest`.
 *
 * Contract shared with keyvault-fetcher and the csi-driver app: fields may be added, never renamed.
 */

import type { CompiledTemplate } from '@keyvault-csi/templates';

export type ObjectType = 'secret' | 'key' | 'cert';
/** `pem-key` / `pem-cert` are ours (extensions.md §4): the private key or the certificates alone. */
export type ObjectFormat = 'pem' | 'pfx' | 'pem-key' | 'pem-cert';
export type ObjectEncoding = 'utf-8' | 'base64' | 'hex';

/** One entry of the `objects` array, validated and trimmed. */
export interface KeyVaultObject {
  /** 0-based position in the `objects` array. */
  readonly index: number;
  readonly objectName: string;
  readonly objectType: ObjectType;
  /** `""` when unset. */
  readonly objectAlias: string;
  /** As written (trimmed): `""` or `latest` mean the current version; used verbatim in error wraps. */
  readonly objectVersion: string;
  /** 0 or 1 = single version; N > 1 = the newest N versions as `<fileName>/0..N-1`. */
  readonly objectVersionHistory: number;
  /** Lower-cased; default `pem`. */
  readonly objectFormat: ObjectFormat;
  /** Lower-cased; default `utf-8`. */
  readonly objectEncoding: ObjectEncoding;
  /** Raw `filePermission` text (`""` when unset). */
  readonly filePermission: string;
  /** Resolved file mode: `filePermission` as octal, else the request's `permission`. */
  readonly fileMode: number;
  /** `objectAlias` if set, else `objectName`: the (validated, clean, relative) file path. */
  readonly fileName: string;

  // Extensions (extensions.md §1–6). Absent or empty when the object does not set the key, so
  // objects built by hand (tests, callers of older versions) behave exactly as before.

  /** `optional: "true"`: a 404/403 yields no file instead of failing the mount. */
  readonly optional?: boolean;
  /** Per-object vault (validated with the vault-name rule); `""`/absent = the class's vault. */
  readonly keyvaultName?: string;
  /** Files extracted from the JSON value of a secret, in the order written. */
  readonly jmesPath?: readonly JmesPathFile[];
  /** `metadata: "true"`: also write `<fileName>.metadata.json`. */
  readonly metadata?: boolean;
  /**
   * With `metadata`: what follows the file name in the sidecar's name (`.metadata.json`). Carried in
   * the plan so the fetcher writes exactly the name spc checked for conflicts, without spc code.
   */
  readonly metadataSuffix?: string;
  /** `objectName` contains `*`: every enabled, unmanaged secret whose name matches. */
  readonly wildcard?: boolean;
  /** Wildcard only: the secret names `objectName` matches (compiled once, when parsed). */
  readonly wildcardPattern?: RegExp;
  /** Wildcard only: a secret matches when it carries every one of these tags with that value. */
  readonly tags?: Readonly<Record<string, string>>;
}

/** One `jmesPath` entry: the expression (compiled once, when the objects are parsed) and its file. */
export interface JmesPathFile {
  /** The expression as written. */
  readonly path: string;
  /** The (validated, clean, relative) file path. */
  readonly objectAlias: string;
  /** Evaluates the compiled expression against parsed JSON. */
  readonly evaluate: (json: unknown) => unknown;
}

/** One entry of the `templates` parameter (extensions.md §8), compiled at parse time. */
export interface TemplateFile {
  /** 0-based position in the `templates` array. */
  readonly index: number;
  /** The (trimmed, validated, clean, relative) file path. */
  readonly fileName: string;
  /** Raw `filePermission` text (`""` when unset). */
  readonly filePermission: string;
  /** `filePermission` as octal, else the request's `permission`. */
  readonly fileMode: number;
  /** The compiled template, rendered once every object is fetched. */
  readonly template: CompiledTemplate;
}

/** A cloud environment: the built-in table or a custom (AzureStackCloud) file. */
export interface CloudEnvironment {
  /** Canonical name, e.g. `AzurePublicCloud`. */
  readonly name: string;
  /** e.g. `vault.azure.net`. */
  readonly keyVaultDnsSuffix: string;
  /** The NMI/AAD resource, e.g. `https://vault.azure.net` (never a trailing slash). */
  readonly keyVaultResource: string;
  /** e.g. `https://login.microsoftonline.com/`. */
  readonly activeDirectoryEndpoint: string;
}

export interface PodInfo {
  readonly name: string;
  readonly namespace: string;
  /** `""` when kubelet did not send it. */
  readonly uid: string;
  /** `""` when kubelet did not send it. */
  readonly serviceAccountName: string;
}

export type IdentityModeName =
  | 'PodIdentity'
  | 'VMManagedIdentity'
  | 'AzureTokenProxy'
  | 'WorkloadIdentity'
  | 'ServicePrincipal';

export type IdentityConfig =
  | {
      readonly mode: 'PodIdentity' /** ours: sent to NMI as `client_id`; `""` = any */;
      readonly podIdentityClientId: string;
    }
  | {
      readonly mode: 'VMManagedIdentity' /** `""` = system-assigned */;
      readonly userAssignedIdentityId: string;
    }
  | {
      readonly mode: 'AzureTokenProxy';
      readonly clientId: string;
      /** The token for audience `api://AKSIdentityBinding`; non-enumerable. */
      readonly serviceAccountToken: string;
    }
  | {
      readonly mode: 'WorkloadIdentity';
      readonly clientId: string;
      /** The token for audience `api://AzureADTokenExchange`; non-enumerable. */
      readonly serviceAccountToken: string;
    }
  | {
      readonly mode: 'ServicePrincipal';
      /** `clientid` from the nodePublishSecretRef secret (key case-insensitive); never empty. */
      readonly clientId: string;
      /** `clientsecret` likewise, never empty; non-enumerable, so it stays out of JSON and `inspect` output. */
      readonly clientSecret: string;
    };

export interface MountPlan {
  readonly pod: PodInfo;
  readonly keyvaultName: string;
  /** `https://<keyvaultName>.<keyVaultDnsSuffix>/` */
  readonly vaultUrl: string;
  readonly tenantId: string;
  readonly cloud: CloudEnvironment;
  readonly identity: IdentityConfig;
  /** In SecretProviderClass order; never empty. */
  readonly objects: readonly KeyVaultObject[];
  /** `templates` (extensions.md §8), in order; absent or empty without the parameter. */
  readonly templates?: readonly TemplateFile[];
  /** The request's `permission` (default 0o644 = 420). */
  readonly defaultFileMode: number;
  /** `secretProviderClass` volume attribute, `""` when absent (for logs). */
  readonly secretProviderClass: string;
}
