import type { KeyVaultObject } from './key-vault-object.js';

/** What went wrong with one object, for callers that map failures to gRPC codes or metrics. */
export type KeyVaultObjectErrorKind =
  | 'not_found'
  | 'forbidden'
  | 'unauthorized'
  | 'throttled'
  | 'transient'
  | 'conversion'
  | 'deadline'
  | 'credential'
  | 'invalid'
  | 'internal';

/** Stable codes, one per distinguishable failure. */
export type KeyVaultObjectErrorCode =
  | 'NOT_FOUND'
  | 'VERSION_NOT_FOUND'
  | 'FORBIDDEN'
  | 'DISABLED'
  | 'UNAUTHORIZED'
  | 'THROTTLED'
  | 'SERVER_ERROR'
  | 'NETWORK_ERROR'
  | 'DNS_NOT_FOUND'
  | 'CONVERSION_FAILED'
  | 'DEADLINE_EXCEEDED'
  | 'ABORTED'
  | 'CREDENTIAL_FAILED'
  | 'INVALID_RESPONSE'
  | 'INVALID_OBJECT'
  | 'INTERNAL'
  // extensions.md §3, §4, §6
  | 'NOT_JSON'
  | 'JMES_PATH_NO_MATCH'
  | 'NOT_CERTIFICATE_BACKED'
  | 'NO_MATCH'
  | 'TOO_MANY_MATCHES'
  | 'LIST_FORBIDDEN'
  | 'PATH_COLLISION';

export interface KeyVaultObjectErrorOptions {
  readonly code: KeyVaultObjectErrorCode;
  readonly kind: KeyVaultObjectErrorKind;
  readonly statusCode?: number;
  readonly keyVaultCode?: string;
  readonly cause?: unknown;
}

/**
 * The failure of one object. `message` is the cause only (e.g. `404 SecretNotFound: A secret with
 * ...`); the object context is added by MountFetchError. Never carries a secret value or token.
 */
export class KeyVaultObjectError extends Error {
  override readonly name = 'KeyVaultObjectError';
  readonly code: KeyVaultObjectErrorCode;
  readonly kind: KeyVaultObjectErrorKind;
  /** HTTP status from Key Vault, when there was a response. */
  readonly statusCode: number | undefined;
  /** Key Vault's most specific error code (`innererror.code` when present), e.g. `ForbiddenByRbac`. */
  readonly keyVaultCode: string | undefined;

  constructor(message: string, options: KeyVaultObjectErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
    this.kind = options.kind;
    this.statusCode = options.statusCode;
    this.keyVaultCode = options.keyVaultCode;
  }
}

export interface ObjectFetchFailure {
  readonly object: KeyVaultObject;
  readonly error: KeyVaultObjectError;
}

const MAX_LISTED_FAILURES = 20;

/**
 * The reference's per-object wrap, also used by spc for configuration errors. An object with its
 * own `keyvaultName` (extensions.md §2) also names the vault.
 */
export function describeObjectFailure(object: KeyVaultObject, cause: string): string {
  const vault = object.keyvaultName ? `, keyvaultName:${object.keyvaultName}` : '';
  return `failed to get objectType:${object.objectType}, objectName:${object.objectName}, objectVersion:${object.objectVersion}${vault}: ${cause}`;
}

/**
 * Every object of the mount is `optional` and none was found (extensions.md §1): the driver
 * refuses a response without any object version, so the mount fails.
 */
export class NothingToMountError extends Error {
  override readonly name = 'NothingToMountError';
  readonly code = 'NOTHING_TO_MOUNT';
  readonly skipped: readonly KeyVaultObject[];

  constructor(skipped: readonly KeyVaultObject[]) {
    const names = skipped.slice(0, MAX_LISTED_FAILURES).map((o) => o.objectName);
    if (skipped.length > MAX_LISTED_FAILURES) names.push(`and ${skipped.length - MAX_LISTED_FAILURES} more`);
    super(`no object to mount: every object is optional and none was found (${names.join(', ')})`);
    this.skipped = skipped;
  }
}

/** One mount failed: every failing object, in SecretProviderClass order. */
export class MountFetchError extends Error {
  override readonly name = 'MountFetchError';
  readonly code = 'FETCH_FAILED';
  readonly failures: readonly ObjectFetchFailure[];

  constructor(failures: readonly ObjectFetchFailure[]) {
    const listed = failures
      .slice(0, MAX_LISTED_FAILURES)
      .map((f) => describeObjectFailure(f.object, f.error.message));
    if (failures.length > MAX_LISTED_FAILURES)
      listed.push(`and ${failures.length - MAX_LISTED_FAILURES} more`);
    super(listed.join('; '));
    this.failures = failures;
  }
}
