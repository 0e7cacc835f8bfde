// The one list of codes: `SpcErrorCode` is derived from it, so a code cannot be added to the type
// and forgotten in `SPC_ERROR_CODES` (or the other way round).
const CODES = [
  // JSON payloads of the Mount request
  'ATTRIBUTES_TOO_LARGE',
  'INVALID_ATTRIBUTES_JSON',
  'SECRETS_TOO_LARGE',
  'INVALID_SECRETS_JSON',
  'INVALID_PERMISSION',
  // steps 1–11
  'POD_NAME_MISSING',
  'POD_NAMESPACE_MISSING',
  'POD_NAME_INVALID',
  'POD_NAMESPACE_INVALID',
  'POD_UID_INVALID',
  'INVALID_BOOLEAN',
  'IDENTITY_MODE_CONFLICT',
  'VAULT_NAME_MISSING',
  'TENANT_ID_MISSING',
  'UNKNOWN_CLOUD',
  'CLOUD_FILE_UNREADABLE',
  'INVALID_CLOUD_FILE',
  'CLIENT_ID_MISSING',
  'SERVICE_ACCOUNT_TOKENS_MISSING',
  'INVALID_SERVICE_ACCOUNT_TOKENS',
  'SERVICE_ACCOUNT_TOKEN_NOT_FOUND',
  'NODE_PUBLISH_SECRET_MISSING',
  'CLIENT_ID_NOT_IN_SECRETS',
  'CLIENT_SECRET_NOT_IN_SECRETS',
  // steps 12–15: the objects
  'OBJECTS_MISSING',
  'OBJECTS_TOO_LARGE',
  'INVALID_OBJECTS_YAML',
  'TOO_MANY_OBJECTS',
  'OBJECTS_TOO_COMPLEX',
  'OBJECT_TOO_LARGE',
  'INVALID_OBJECT_YAML',
  'INVALID_OBJECT_FORMAT',
  'PFX_REQUIRES_SECRET',
  'ENCODING_REQUIRES_SECRET',
  'INVALID_OBJECT_ENCODING',
  'FILE_NAME_EMPTY',
  'FILE_NAME_ABSOLUTE',
  'FILE_NAME_DOT_DOT',
  'FILE_NAME_UNCLEAN',
  'FILE_NAME_NUL',
  'FILE_NAME_TOO_LONG',
  'OBJECT_NAME_MISSING',
  'INVALID_OBJECT_TYPE',
  'INVALID_FILE_PERMISSION',
  'INVALID_OBJECT_VERSION_HISTORY',
  'OBJECT_VERSION_HISTORY_TOO_LARGE',
  'DUPLICATE_FILE_PATH',
  'FILE_PATH_CONFLICT',
  'OBJECTS_EMPTY',
  // per-object extensions (extensions.md §1–6)
  'OBJECT_FORMAT_REQUIRES_SECRET',
  'INVALID_JMES_PATH',
  'JMES_PATH_NOT_SUPPORTED',
  'METADATA_NOT_SUPPORTED',
  'WILDCARD_NOT_SUPPORTED',
  'INVALID_TAGS',
  // templates (extensions.md §8)
  'TEMPLATES_TOO_LARGE',
  'INVALID_TEMPLATES_YAML',
  'TEMPLATE_TOO_LARGE',
  'INVALID_TEMPLATE_YAML',
  'TEMPLATE_FILE_NAME_MISSING',
  'TEMPLATE_MISSING',
  'INVALID_TEMPLATE',
  // step 16
  'INVALID_VAULT_NAME',
  // manifests
  'INVALID_MANIFEST',
  // resource exhaustion inside a dependency (never expected; keeps the "only SpcError" promise)
  'INPUT_TOO_COMPLEX',
] as const;

/**
 * Stable codes, one per failure kind. Every `SpcError` is a configuration error: the daemon maps
 * all of them to gRPC INVALID_ARGUMENT.
 */
export type SpcErrorCode = (typeof CODES)[number];

/** Every {@link SpcErrorCode}, grouped by the step that raises it. */
export const SPC_ERROR_CODES: readonly SpcErrorCode[] = CODES;

export interface SpcErrorOptions {
  /** 0-based index in the `objects` array when the error concerns one object. */
  readonly objectIndex?: number;
}

/**
 * A SecretProviderClass or Mount request that cannot be mounted. `message` is the reference's
 * exact text (without the daemon's `failed to mount objects, error: ` prefix); it never contains a
 * secret value or a service-account token, and echoed request values are cut to 100 characters.
 */
export class SpcError extends Error {
  override readonly name = 'SpcError';
  readonly code: SpcErrorCode;
  readonly objectIndex: number | undefined;

  constructor(code: SpcErrorCode, message: string, options: SpcErrorOptions = {}) {
    super(message);
    this.code = code;
    this.objectIndex = options.objectIndex;
  }
}
