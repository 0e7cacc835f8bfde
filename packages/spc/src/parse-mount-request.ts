import type { CompiledTemplate } from '@keyvault-csi/templates';
import { type ReadTextFile, readOperatorCloudFile, readSpcCloudFile, resolveCloud } from './clouds.js';
import { buildIdentityConfig, SERVICE_ACCOUNT_TOKENS_KEY } from './identity.js';
import { MAX_ATTRIBUTES_BYTES, MAX_SECRETS_BYTES, overLimit, utf8Length } from './input-limits.js';
import type { CloudEnvironment, KeyVaultObject, MountPlan, PodInfo, TemplateFile } from './mount-plan.js';
import { objectsOfOutcome, parseObjectsOutcome } from './objects-outcome.js';
import { validatePodName, validatePodNamespace, validatePodUid } from './pod-info.js';
import { echo } from './private/echo.js';
import { goParseBool, goQuote, goTrimSpace } from './private/go-text.js';
import { decodeStringMap, jsonKind, parseJson } from './private/json-payload.js';
import { SpcError } from './spc-error.js';
import { parseTemplatesOutcome, templatesOfOutcome } from './templates-outcome.js';
import { validateVaultName, vaultUrlFor } from './vault-name.js';

/** The three JSON payloads of a `MountRequest`, as the driver sends them. */
export interface MountRequestPayload {
  /** JSON string→string map: SecretProviderClass parameters, volume attributes, pod fields. */
  readonly attributes: string;
  /** JSON of the nodePublishSecretRef data, or `null` / `{}` without one. Never logged. */
  readonly secrets: string;
  /** JSON number: the default file mode in decimal (`"420"` = 0644). */
  readonly permission: string;
}

export interface ParseMountRequestOptions {
  /** Cloud used when the SecretProviderClass sets no `cloudName` (the daemon's `--cloud-name`). */
  readonly defaultCloudName?: string;
  /**
   * The daemon's default cloud as resolved at start-up (its custom cloud file read then, as the
   * reference does): used as is when the SecretProviderClass sets no `cloudName`. Without it,
   * `defaultCloudName` is resolved per mount.
   */
  readonly defaultCloud?: CloudEnvironment;
  /**
   * Custom cloud file used for `AzureStackCloud` when the SecretProviderClass sets no
   * `cloudEnvFileName` (the daemon's start-up `AZURE_ENVIRONMENT_FILEPATH`).
   */
  readonly defaultCloudEnvFileName?: string;
  /**
   * Reads the custom cloud file (tests); default `readSpcCloudFile` for a path the
   * SecretProviderClass names (no symbolic link followed) and `readOperatorCloudFile` for
   * `defaultCloudEnvFileName`.
   */
  readonly readTextFile?: ReadTextFile;
  /**
   * The daemon's `--write-cert-and-key-in-separate-files`: a `secret` object (not `pfx`) may then
   * also write `<file>.crt` and `<file>.key`, and those names take part in the duplicate-path check.
   */
  readonly writeCertAndKeyInSeparateFiles?: boolean;
  /**
   * Compiles each `templates` entry (default `compileTemplate` of `@keyvault-csi/templates`); pass
   * a `TemplateCache`'s `compile` so mounts of the same class share the compiled templates.
   */
  readonly compileTemplate?: (source: string) => CompiledTemplate;
  /** Most objects a mount may list (default `DEFAULT_MAX_MOUNT_OBJECTS`, 1,000). */
  readonly maxObjects?: number;
}

/**
 * A Mount request checked up to its `objects` (steps 1–12). The caller parses `objectsText` (steps
 * 13–15; e.g. from a cache or off the main thread) and passes the objects to `complete`, which runs
 * step 16 and builds the plan: errors come in the same order as from `parseMountRequest`.
 */
export interface PendingMountRequest {
  /** The trimmed, non-empty `objects` parameter. */
  readonly objectsText: string;
  /** The request's `permission`: the mode of objects without `filePermission`. */
  readonly defaultFileMode: number;
  /** The trimmed `templates` parameter (extensions.md §8), `""` without one. */
  readonly templatesText: string;
  /**
   * Step 16, then the templates (ours, after every check of the reference): `templates` turns
   * `templatesText` into the plan's templates (e.g. from a cache) and throws `SpcError`; without
   * it they are parsed here with `options.compileTemplate`.
   */
  complete(
    objects: readonly KeyVaultObject[],
    templates?: (objects: readonly KeyVaultObject[]) => readonly TemplateFile[],
  ): MountPlan;
}

/** Attribute keys kubelet adds when the CSIDriver has `podInfoOnMount: true`. */
export const POD_NAME_KEY = 'csi.storage.k8s.io/pod.name';
export const POD_NAMESPACE_KEY = 'csi.storage.k8s.io/pod.namespace';
export const POD_UID_KEY = 'csi.storage.k8s.io/pod.uid';
export const SERVICE_ACCOUNT_NAME_KEY = 'csi.storage.k8s.io/serviceAccount.name';

/** Highest `permission` accepted: 0777. */
const MAX_DEFAULT_FILE_MODE = 0o777;

/**
 * Validates a Mount request into a `MountPlan`, in the reference's order (docs/spc-parameters.md §5,
 * steps 1–16, with our checks inside step 14 and right after it), before any network call.
 * Throws `SpcError` (and nothing else) for every invalid input; the message is the reference's
 * text without the daemon's `failed to mount objects, error: ` prefix.
 */
export function parseMountRequest(
  request: MountRequestPayload,
  options: ParseMountRequestOptions = {},
): MountPlan {
  const pending = beginMountRequest(request, options);
  const outcome = parseObjectsOutcome(pending.objectsText, pending.defaultFileMode, {
    maxObjects: options.maxObjects,
    writeCertAndKeyInSeparateFiles: options.writeCertAndKeyInSeparateFiles ?? false,
  });
  return pending.complete(objectsOfOutcome(outcome));
}

/**
 * Steps 1–12 of `parseMountRequest` (every check before the `objects` YAML). Throws `SpcError` and
 * nothing else.
 */
export function beginMountRequest(
  request: MountRequestPayload,
  options: ParseMountRequestOptions = {},
): PendingMountRequest {
  try {
    return begin(request, options);
  } catch (error) {
    if (error instanceof SpcError) throw error;
    // Only resource exhaustion can get here (e.g. a stack overflow deep inside a dependency).
    throw new SpcError(
      'INPUT_TOO_COMPLEX',
      'failed to parse the mount request: input too large or too complex',
    );
  }
}

function begin(request: MountRequestPayload, options: ParseMountRequestOptions): PendingMountRequest {
  const attributes = decodePayload(request?.attributes, ATTRIBUTES_PAYLOAD);
  const secrets = decodePayload(request?.secrets, SECRETS_PAYLOAD);
  const defaultFileMode = decodePermission(request?.permission);
  const get = (key: string): string => goTrimSpace(attributes.get(key) ?? '');

  // 1–2, each followed by Kubernetes' own rule for the value (ours), and the UID (ours)
  const pod: PodInfo = Object.freeze({
    name: get(POD_NAME_KEY),
    namespace: get(POD_NAMESPACE_KEY),
    uid: get(POD_UID_KEY),
    serviceAccountName: get(SERVICE_ACCOUNT_NAME_KEY),
  });
  if (pod.name === '') throw new SpcError('POD_NAME_MISSING', 'pod name is not provided');
  validatePodName(pod.name);
  if (pod.namespace === '') throw new SpcError('POD_NAMESPACE_MISSING', 'pod namespace is not provided');
  validatePodNamespace(pod.namespace);
  validatePodUid(pod.uid);

  // 3–6
  const usePodIdentity = parseFlag('usePodIdentity', get('usePodIdentity'));
  const useVMManagedIdentity = parseFlag('useVMManagedIdentity', get('useVMManagedIdentity'));
  const useAzureTokenProxy = parseFlag('useAzureTokenProxy', get('useAzureTokenProxy'));
  if (Number(usePodIdentity) + Number(useVMManagedIdentity) + Number(useAzureTokenProxy) > 1) {
    throw new SpcError(
      'IDENTITY_MODE_CONFLICT',
      'only one identity mode can be enabled at a time: usePodIdentity, useVMManagedIdentity, or useAzureTokenProxy',
    );
  }

  // 7–8
  const keyvaultName = get('keyvaultName');
  if (keyvaultName === '') throw new SpcError('VAULT_NAME_MISSING', 'keyvaultName is not provided');
  const tenantId = get('tenantID') || get('tenantId');
  if (tenantId === '') throw new SpcError('TENANT_ID_MISSING', 'tenantId is not provided');

  // 9–10, as the reference: no cloudName → the daemon's default cloud (resolved at its start-up);
  // AzureStackCloud → the SPC's cloudEnvFileName, else the daemon's AZURE_ENVIRONMENT_FILEPATH
  // (the reference keeps the path in that process-wide variable, where one SPC's file then leaks
  // into the next SPC's mount; we read the SPC's own path, or the start-up value, per mount).
  const spcCloudEnvFileName = get('cloudEnvFileName');
  const cloudEnvFileName = spcCloudEnvFileName || (options.defaultCloudEnvFileName ?? '');
  const readCloudFile =
    options.readTextFile ?? (spcCloudEnvFileName === '' ? readOperatorCloudFile : readSpcCloudFile);
  const cloud: CloudEnvironment =
    get('cloudName') === '' && options.defaultCloud !== undefined
      ? options.defaultCloud
      : resolveCloud(
          get('cloudName') || goTrimSpace(options.defaultCloudName ?? ''),
          cloudEnvFileName,
          readCloudFile,
        );

  // 11
  const identity = buildIdentityConfig({
    usePodIdentity,
    useVMManagedIdentity,
    useAzureTokenProxy,
    clientID: get('clientID'),
    userAssignedIdentityID: get('userAssignedIdentityID'),
    podIdentityClientID: get('podIdentityClientID'),
    serviceAccountTokens: get(SERVICE_ACCOUNT_TOKENS_KEY),
    secrets,
  });

  // 12–15
  const objectsText = get('objects');
  if (objectsText === '') throw new SpcError('OBJECTS_MISSING', 'objects is not set');
  const secretProviderClass = get('secretProviderClass');

  const templatesText = get('templates');

  return {
    objectsText,
    defaultFileMode,
    templatesText,
    complete(objects, templates) {
      // 16
      validateVaultName(keyvaultName);
      // Ours (extensions.md §8): compiled now, rendered after the fetch.
      const frozenObjects = Object.isFrozen(objects) ? objects : Object.freeze([...objects]);
      const templateFiles =
        templatesText === ''
          ? []
          : templates
            ? templates(frozenObjects)
            : templatesOfOutcome(
                parseTemplatesOutcome(templatesText, defaultFileMode, frozenObjects, {
                  writeCertAndKeyInSeparateFiles: options.writeCertAndKeyInSeparateFiles ?? false,
                  ...(options.compileTemplate ? { compile: options.compileTemplate } : {}),
                }),
              );
      return Object.freeze({
        pod,
        keyvaultName,
        vaultUrl: vaultUrlFor(keyvaultName, cloud),
        tenantId,
        cloud,
        identity,
        objects: frozenObjects,
        templates: Object.isFrozen(templateFiles) ? templateFiles : Object.freeze([...templateFiles]),
        defaultFileMode,
        secretProviderClass,
      });
    },
  };
}

interface Payload {
  readonly what: 'attributes' | 'secrets';
  readonly maxBytes: number;
  readonly tooLarge: 'ATTRIBUTES_TOO_LARGE' | 'SECRETS_TOO_LARGE';
  readonly invalid: 'INVALID_ATTRIBUTES_JSON' | 'INVALID_SECRETS_JSON';
}

const ATTRIBUTES_PAYLOAD: Payload = {
  what: 'attributes',
  maxBytes: MAX_ATTRIBUTES_BYTES,
  tooLarge: 'ATTRIBUTES_TOO_LARGE',
  invalid: 'INVALID_ATTRIBUTES_JSON',
};
const SECRETS_PAYLOAD: Payload = {
  what: 'secrets',
  maxBytes: MAX_SECRETS_BYTES,
  tooLarge: 'SECRETS_TOO_LARGE',
  invalid: 'INVALID_SECRETS_JSON',
};

function decodePayload(text: unknown, payload: Payload): Map<string, string> {
  const { what, invalid } = payload;
  if (typeof text !== 'string') {
    throw new SpcError(
      invalid,
      `failed to unmarshal ${what}, error: ${what} must be a JSON string, got ${typeof text}`,
    );
  }
  // JSON.parse of a few MiB of tiny keys alone can exhaust a 64 MiB heap (input-limits.ts).
  const bytes = utf8Length(text);
  if (bytes > payload.maxBytes) {
    throw new SpcError(
      payload.tooLarge,
      `failed to unmarshal ${what}, error: ${what} JSON is ${overLimit(bytes, payload.maxBytes)}`,
    );
  }
  const decoded = decodeStringMap(text);
  if (!decoded.ok) throw new SpcError(invalid, `failed to unmarshal ${what}, error: ${decoded.cause}`);
  return decoded.map;
}

const DECIMAL_INTEGER = /^[ \t\r\n]*(0|[1-9][0-9]*)[ \t\r\n]*$/;

// Go decodes `permission` into an os.FileMode (uint32); we also refuse modes above 0777.
function decodePermission(text: unknown): number {
  const fail = (cause: string): never => {
    throw new SpcError('INVALID_PERMISSION', `failed to unmarshal file permission, error: ${cause}`);
  };
  if (typeof text !== 'string') return fail(`permission must be a JSON string, got ${typeof text}`);
  const integer = DECIMAL_INTEGER.exec(text)?.[1];
  if (integer !== undefined) {
    const mode = Number(integer);
    if (mode > MAX_DEFAULT_FILE_MODE) fail(`file mode ${echo(integer)} is out of range 0..511 (0777)`);
    return mode;
  }
  const parsed = parseJson(text);
  if (!parsed.ok) return fail(parsed.cause);
  if (typeof parsed.value === 'number') {
    return fail(`json: cannot unmarshal number ${echo(text.trim())} into Go value of type fs.FileMode`);
  }
  return fail(`json: cannot unmarshal ${jsonKind(parsed.value)} into Go value of type fs.FileMode`);
}

function parseFlag(name: string, value: string): boolean {
  if (value === '') return false;
  const parsed = goParseBool(value);
  if (parsed === undefined) {
    throw new SpcError(
      'INVALID_BOOLEAN',
      `failed to parse ${name} flag, error: strconv.ParseBool: parsing ${goQuote(echo(value))}: invalid syntax`,
    );
  }
  return parsed;
}
