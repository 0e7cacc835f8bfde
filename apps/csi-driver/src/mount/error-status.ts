import { status } from '@grpc/grpc-js';
import { MountFetchError, NothingToMountError } from '@keyvault-csi/keyvault-fetcher';
import { NmiError } from '@keyvault-csi/nmi-client';
import { SpcError } from '@keyvault-csi/spc';
import { TemplateRenderError } from '@keyvault-csi/templates';
import { CredentialError } from '../credentials/credential-error.js';
import { boundStatusMessage } from '../grpc/status-message.js';
import { MountMemoryError } from './mount-memory.js';
import { MountBudgetExceededError, MountCancelledError } from './mount-stop-errors.js';

export { MountBudgetExceededError, MountCancelledError };

export const MOUNT_ERROR_PREFIX = 'failed to mount objects, error: ';

export interface MountErrorStatus {
  /**
   * gRPC status code. UNAVAILABLE only for an identity-binding token proxy that is down or busy,
   * where the driver's re-sending the call (3 attempts, 1–10 s apart) can help.
   */
  readonly code: status;
  /** Bounded, well-formed, prefixed with `failed to mount objects, error: `. */
  readonly details: string;
  /** Stable code of the failure for logs (`SPC:<code>`, `NMI_FORBIDDEN`, `KV:SecretNotFound`...). */
  readonly errorCode: string;
}

const NMI_CODES: Readonly<Record<string, status>> = {
  NMI_NOT_FOUND: status.FAILED_PRECONDITION,
  NMI_SERVER_ERROR: status.FAILED_PRECONDITION,
  NMI_UNREACHABLE: status.FAILED_PRECONDITION,
  NMI_BAD_RESPONSE: status.FAILED_PRECONDITION,
  NMI_BAD_REQUEST: status.INTERNAL,
  // A pod name or namespace no kubelet sends (spc refuses those first; this is the net under it).
  NMI_INVALID_OPTIONS: status.INVALID_ARGUMENT,
  NMI_FORBIDDEN: status.PERMISSION_DENIED,
  NMI_TIMEOUT: status.DEADLINE_EXCEEDED,
  NMI_ABORTED: status.CANCELLED,
  // A token for another identity than the shared clients are keyed by: refused, never used.
  NMI_IDENTITY_MISMATCH: status.PERMISSION_DENIED,
};

/**
 * Azure AD / IMDS failures of the service principal, workload identity and VM managed identity
 * modes. Azure AD refusing the caller's proof (AADSTS7000215 wrong secret, AADSTS700016 unknown
 * client, AADSTS700213/70021 no federated record) is UNAUTHENTICATED: the request carries no valid
 * credentials, like Key Vault's 401; PERMISSION_DENIED stays for an authenticated identity without
 * access (Key Vault 403). An unreachable Azure AD is transient like a Key Vault network error
 * (ABORTED); IMDS unreachable or without the identity is the node's setup (FAILED_PRECONDITION,
 * like NMI 404). Configuration errors are INVALID_ARGUMENT.
 *
 * Identity binding (AKS token proxy): Azure AD refusals relayed by the proxy are UNAUTHENTICATED as
 * above. A proxy that refuses connections, drops them, times out or answers 429/5xx until our
 * retries run out is UNAVAILABLE: the one case where the driver's own retry of the call helps (a
 * proxy restarting). Everything the retry cannot fix — the start-up failure stored for the process,
 * TLS failures (wrong SNI name, unknown CA), an unusable CA file, a proxy name that does not
 * resolve — is FAILED_PRECONDITION, so the call is not re-sent.
 */
const CREDENTIAL_CODES: Readonly<Record<string, status>> = {
  INVALID_CREDENTIAL_CONFIG: status.INVALID_ARGUMENT,
  TENANT_MISMATCH: status.INVALID_ARGUMENT,
  AAD_REJECTED: status.UNAUTHENTICATED,
  AAD_UNREACHABLE: status.ABORTED,
  AAD_TRANSIENT: status.ABORTED,
  IMDS_UNREACHABLE: status.FAILED_PRECONDITION,
  IMDS_IDENTITY_NOT_FOUND: status.FAILED_PRECONDITION,
  IMDS_FAILED: status.FAILED_PRECONDITION,
  CREDENTIAL_FAILED: status.UNAUTHENTICATED,
  TOKEN_PROXY_NOT_AVAILABLE: status.FAILED_PRECONDITION,
  TOKEN_PROXY_TLS: status.FAILED_PRECONDITION,
  TOKEN_PROXY_CA_FILE: status.FAILED_PRECONDITION,
  TOKEN_PROXY_UNRESOLVED: status.FAILED_PRECONDITION,
  TOKEN_PROXY_UNREACHABLE: status.UNAVAILABLE,
  TOKEN_PROXY_BUSY: status.UNAVAILABLE,
  IDENTITY_MISMATCH: status.PERMISSION_DENIED,
};

const KIND_CODES: Readonly<Record<string, status>> = {
  not_found: status.NOT_FOUND,
  forbidden: status.PERMISSION_DENIED,
  unauthorized: status.UNAUTHENTICATED,
  throttled: status.RESOURCE_EXHAUSTED,
  transient: status.ABORTED,
  conversion: status.FAILED_PRECONDITION,
  deadline: status.DEADLINE_EXCEEDED,
  invalid: status.INVALID_ARGUMENT,
  internal: status.INTERNAL,
};

/**
 * The one place where a Mount failure becomes a gRPC status (docs/provider-grpc.md §5). Several failing
 * objects: the code of the first one in SecretProviderClass order; the message lists them all.
 */
export function mountErrorStatus(error: unknown): MountErrorStatus {
  const { code, errorCode } = classify(error);
  const text = error instanceof Error ? error.message : String(error);
  const described =
    code === status.INTERNAL &&
    !(error instanceof NmiError) &&
    !(error instanceof CredentialError) &&
    !isFetchFailure(error)
      ? `internal error: ${text}`
      : text;
  return { code, errorCode, details: boundStatusMessage(MOUNT_ERROR_PREFIX + described) };
}

function classify(error: unknown): { code: status; errorCode: string } {
  if (error instanceof SpcError) return { code: status.INVALID_ARGUMENT, errorCode: `SPC:${error.code}` };
  // extensions.md §8: the objects were fetched but a template cannot be rendered from them.
  if (error instanceof TemplateRenderError)
    return { code: status.FAILED_PRECONDITION, errorCode: error.code };
  if (error instanceof NmiError)
    return { code: NMI_CODES[error.code] ?? status.INTERNAL, errorCode: error.code };
  if (error instanceof CredentialError)
    return { code: CREDENTIAL_CODES[error.code] ?? status.INTERNAL, errorCode: error.code };
  if (error instanceof MountCancelledError) return { code: status.CANCELLED, errorCode: error.code };
  if (error instanceof MountMemoryError) return { code: status.RESOURCE_EXHAUSTED, errorCode: error.code };
  if (error instanceof MountBudgetExceededError)
    return { code: status.DEADLINE_EXCEEDED, errorCode: error.code };
  // extensions.md §1: every object optional and none found; the driver refuses an empty response.
  if (error instanceof NothingToMountError)
    return { code: status.FAILED_PRECONDITION, errorCode: error.code };
  if (error instanceof MountFetchError) {
    const first = error.failures[0];
    if (first === undefined) return { code: status.INTERNAL, errorCode: 'FETCH_FAILED' };
    const errorCode = `KV:${first.error.keyVaultCode ?? first.error.code}`;
    if (first.error.kind === 'credential') {
      const cause = first.error.cause;
      return {
        code: cause === undefined ? status.INTERNAL : classify(cause).code,
        errorCode: credentialCode(cause),
      };
    }
    return { code: KIND_CODES[first.error.kind] ?? status.INTERNAL, errorCode };
  }
  return { code: status.INTERNAL, errorCode: 'INTERNAL' };
}

function credentialCode(cause: unknown): string {
  return cause instanceof NmiError || cause instanceof CredentialError ? cause.code : 'CREDENTIAL_FAILED';
}

function isFetchFailure(error: unknown): boolean {
  return error instanceof MountFetchError || error instanceof NothingToMountError;
}
