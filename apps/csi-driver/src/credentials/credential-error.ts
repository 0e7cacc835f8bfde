/**
 * Stable codes of the credential failures of the Azure AD modes (service principal, workload
 * identity, VM managed identity, identity binding). `mount/error-status.ts` maps each to a gRPC code.
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
  /** Identity binding: the token proxy's start-up failed (stored, reported on every identity-binding mount). */
  | 'TOKEN_PROXY_NOT_AVAILABLE'
  /** Identity binding: TLS to the token proxy failed (certificate not valid for the SNI name, unknown CA, handshake). */
  | 'TOKEN_PROXY_TLS'
  /** Identity binding: the CA file exists but cannot be read or holds no certificate. */
  | 'TOKEN_PROXY_CA_FILE'
  /** Identity binding: the token proxy's host name does not resolve. */
  | 'TOKEN_PROXY_UNRESOLVED'
  /** Identity binding: the token proxy refused or dropped the connection, or timed out. */
  | 'TOKEN_PROXY_UNREACHABLE'
  /** Identity binding: the token proxy answered 429 or 5xx until the retries ran out. */
  | 'TOKEN_PROXY_BUSY'
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
