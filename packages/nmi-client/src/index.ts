export {
  DEFAULT_NMI_ENDPOINT,
  NmiClient,
  type NmiClientOptions,
  type NmiCredential,
  type NmiCredentialOptions,
  type NmiRetryOptions,
  type ResolveIdentityOptions,
} from './nmi-client.js';
export { NmiError, type NmiErrorCode, type NmiErrorDetails } from './nmi-error.js';
export type { NmiEvent } from './nmi-event.js';
export type { NmiIdentity } from './nmi-identity.js';
export type { PodRef } from './pod-ref.js';
export { redact, redactTokens } from './redact.js';
export { identityClaimsOf, type TokenIdentityClaims } from './token-claims.js';
