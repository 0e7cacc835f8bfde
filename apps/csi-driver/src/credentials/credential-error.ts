/**
 * Stable codes of the credential failures of the Azure AD modes (service principal, workload
 * identity, VM managed identity). `mount/error-status.ts` maps each to a gRPC code.
 */
export type CredentialErrorCode =
  /** @azure/identity refused the configuration itself (e.g. a malformed tenant id). */
  | 'INVALID_CREDENTIAL_CONFIG'
  /** The tenant of the vault's challenge differs from the SecretProviderClass tenant. */
  | 'TENANT_MISMATCH'
  /** Azure AD answered the token request with an AADSTS error (bad secret, unknown client, bad assertion...). */
  | 'AAD_REJECTED'
  /** Azure AD could not be reached (DNS, connection, TLS, proxy). */
  | 'AAD_UNREACHABLE'
  /** Azure AD answered with a transient AADSTS error (AADSTS90033, AADSTS90055, AADSTS50196). */
  | 'AAD_TRANSIENT'
  /** IMDS (169.254.169.254 or AZURE_POD_IDENTITY_AUTHORITY_HOST) could not be reached. */
  | 'IMDS_UNREACHABLE'
  /** IMDS does not know the requested (or any system-assigned) identity on this node. */
  | 'IMDS_IDENTITY_NOT_FOUND'
  /** IMDS answered with another error. */
  | 'IMDS_FAILED'
  /** A failure of @azure/identity we do not recognise. */
  | 'CREDENTIAL_FAILED'
  /**
   * A token's `appid`/`tid` claims name another identity than the one the mount's shared Key Vault
   * clients are keyed by; the token is refused.
   */
  | 'IDENTITY_MISMATCH';

/** A credential failure; its message names the mode and never holds a secret or an assertion. */
export class CredentialError extends Error {
  override readonly name = 'CredentialError';
  readonly code: CredentialErrorCode;

  constructor(code: CredentialErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}
