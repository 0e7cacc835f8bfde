/**
 * The exact texts aad-pod-identity's NMI answers on `/host/token/` (docs/nmi.md §3), so tests and
 * the demo see what a real node would show.
 */

export const MISSING_POD_HEADERS_BODY = "missing 'podname' and 'podns' from request header";
export const NOT_FROM_HOST_BODY = 'request remote address is not from a host';
export const EMPTY_RESOURCE_BODY = 'parameter resource cannot be empty';
export const PANIC_BODY = 'runtime error: index out of range [0] with length 0';

export function identityNotAssignedBody(namespace: string, podName: string): string {
  return (
    `getting assigned identities for pod ${namespace}/${podName} in CREATED state failed after 16 attempts, ` +
    'retry duration [5]s, error: <nil>. Check MIC pod logs for identity assignment errors'
  );
}

export function unknownClientIdBody(clientId: string): string {
  return `no azure identity found for request clientID ${redactLikeNmi(clientId)}`;
}

export function tokenRefusedBody(resource: string): string {
  return (
    "adal: Refresh request failed. Status Code = '400'. Response body: " +
    '{"error":"invalid_request","error_description":"Identity not found"} ' +
    `Endpoint http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource=${encodeURIComponent(resource)}`
  );
}

export function secretUnreadableBody(namespace: string): string {
  return `failed to get Kubernetes secret ${namespace}/identity-secret, err: secrets "identity-secret" not found`;
}

/**
 * NMI's `RedactClientID`: a regexp keeping the first and last four non-space characters. Values
 * the pattern does not match (shorter than 8 characters) come back unchanged, as in NMI.
 */
export function redactLikeNmi(value: string): string {
  return value.replace(/^(\S{4})(\S|\s)*(\S{4})$/, '$1##### REDACTED #####$3');
}

/** Default body for an injected status fault, so a fault looks like a real NMI answer. */
export function defaultFaultBody(
  status: number,
  namespace: string,
  podName: string,
  resource: string,
): string {
  switch (status) {
    case 400:
      return MISSING_POD_HEADERS_BODY;
    case 403:
      return tokenRefusedBody(resource);
    case 404:
      return identityNotAssignedBody(namespace, podName);
    case 500:
      return PANIC_BODY;
    case 503:
      return secretUnreadableBody(namespace);
    default:
      return `fake-nmi injected status ${status}`;
  }
}
