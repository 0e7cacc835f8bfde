import { redactTokens } from '@keyvault-csi/nmi-client';
import { CredentialError } from './credential-error.js';

export interface IdentityErrorContext {
  /** e.g. `service principal 1111... in tenant 72f9...`: who was asking, never a secret. */
  readonly who: string;
  /** Whether tokens come from Azure AD (secret, assertion) or from IMDS (managed identity). */
  readonly source: 'aad' | 'imds';
  /** The IMDS base URL in use, for the unreachable message. */
  readonly imdsEndpoint?: string;
  /** Values that must never appear in a message (the client secret, the assertion). */
  readonly redact: readonly string[];
}

const MAX_REASON_CHARS = 600;
/** AADSTS codes of Azure AD's own transient trouble: a retry later may succeed. */
const TRANSIENT_AADSTS = new Set(['90033', '90055', '50196']);

/**
 * Turns whatever `@azure/identity` threw into a CredentialError with a stable code and a message
 * that names the mode and keeps Azure AD's reason (`AADSTS<code>: <text>`) but drops MSAL's
 * trace/correlation noise. Secrets and assertions are cut out even if a dependency echoed them.
 */
export function translateIdentityError(error: unknown, context: IdentityErrorContext): CredentialError {
  if (error instanceof CredentialError) return error;
  const raw = redact(errorText(error), context.redact);
  if (context.source === 'imds') return imdsError(raw, context);
  const aadsts = /AADSTS(\d+): ?(.*?)(?:\r?\n|\\r\\n| Trace ID:| - Correlation ID:| - Trace ID:|$)/s.exec(
    raw,
  );
  if (aadsts) {
    const oauthCode = /(?:^|\s)([a-z_]+): Error\(s\)/.exec(raw)?.[1];
    return new CredentialError(
      TRANSIENT_AADSTS.has(aadsts[1] ?? '') ? 'AAD_TRANSIENT' : 'AAD_REJECTED',
      `${context.who}: Azure AD refused the token request${oauthCode ? ` (${oauthCode})` : ''}: ` +
        `AADSTS${aadsts[1]}: ${bound(aadsts[2]?.trim() ?? '')}`,
    );
  }
  if (/network_error|ENOTFOUND|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EAI_AGAIN|socket hang up/i.test(raw)) {
    return new CredentialError(
      'AAD_UNREACHABLE',
      `${context.who}: Azure AD is not reachable: ${bound(raw)} (behind a proxy, HTTPS_PROXY must reach the cloud's login host)`,
    );
  }
  return new CredentialError('CREDENTIAL_FAILED', `${context.who}: ${bound(raw)}`);
}

function imdsError(raw: string, context: IdentityErrorContext): CredentialError {
  const endpoint = context.imdsEndpoint ?? 'http://169.254.169.254';
  if (/Identity not found/i.test(raw)) {
    return new CredentialError(
      'IMDS_IDENTITY_NOT_FOUND',
      `${context.who}: the instance metadata service at ${endpoint} has no such identity on this node: ` +
        'Identity not found (assign the identity to the node pool, e.g. az vmss identity assign)',
    );
  }
  if (
    /Network unreachable|network_error|ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|ENOTFOUND/i.test(raw)
  ) {
    return new CredentialError(
      'IMDS_UNREACHABLE',
      `${context.who}: the instance metadata service is not reachable at ${endpoint}: ${bound(stripPrefix(raw))} ` +
        '(is this an Azure VM? behind a proxy, NO_PROXY must include 169.254.169.254)',
    );
  }
  return new CredentialError(
    'IMDS_FAILED',
    `${context.who}: the instance metadata service at ${endpoint} refused the token request: ${bound(stripPrefix(raw))}`,
  );
}

function errorText(error: unknown): string {
  if (error instanceof Error) {
    const response = (error as { errorResponse?: { error?: string; errorDescription?: string } })
      .errorResponse;
    if (response?.errorDescription)
      return `${response.error ?? 'error'}: Error(s) - ${response.errorDescription}`;
    return error.message;
  }
  return String(error);
}

/** MSAL's `Error(s): ... - Timestamp: ... - Description: X - Correlation ID: ...` → X. */
function stripPrefix(raw: string): string {
  const description = / - Description: (.*?)(?: - Correlation ID:|$)/s.exec(raw)?.[1];
  return (description ?? raw).replace(/^ManagedIdentityCredential: /, '').trim();
}

function redact(text: string, values: readonly string[]): string {
  let out = text;
  for (const value of values) if (value.length >= 4) out = out.split(value).join('[REDACTED]');
  return redactTokens(out, () => '[REDACTED JWT]');
}

function bound(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > MAX_REASON_CHARS ? `${oneLine.slice(0, MAX_REASON_CHARS)}…` : oneLine;
}
