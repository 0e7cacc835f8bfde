import { CredentialError } from '../credentials/credential-error.js';
import {
  type IdentityErrorContext,
  translateIdentityError,
} from '../credentials/translate-identity-error.js';
import type { TokenProxySettings } from './token-proxy-settings.js';
import { CA_FILE_ERROR_CODE, type TokenProxyExchange } from './token-proxy-transport.js';

const MAX_REASON_CHARS = 400;

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
]);
const UNRESOLVED = new Set(['ENOTFOUND']);
const TLS =
  /^(ERR_TLS_|ERR_SSL_|EPROTO$|CERT_|UNABLE_TO_|SELF_SIGNED_CERT|DEPTH_ZERO_SELF_SIGNED_CERT|HOSTNAME_MISMATCH)/;

/**
 * An identity-binding token failure as a CredentialError. MSAL reports every transport failure as
 * `network_error` and hides the cause, so the proxy's side comes from what the credential's HTTP
 * client saw last: a TLS failure names the SNI name and the CA, an unreachable proxy names its
 * URL, 429/5xx until the retries ran out say so. Anything else (Azure AD's AADSTS refusals
 * relayed by the proxy) is translated as for workload identity.
 */
export function translateTokenProxyError(
  error: unknown,
  exchange: TokenProxyExchange,
  settings: TokenProxySettings,
  context: IdentityErrorContext,
): CredentialError {
  if (error instanceof CredentialError) return error;
  const proxy = settings.proxyUrl.href;
  const failure = exchange.transportError;
  if (failure !== undefined) {
    const reason = bound(failure.message);
    if (failure.code === CA_FILE_ERROR_CODE) {
      return new CredentialError(
        'TOKEN_PROXY_CA_FILE',
        `${context.who}: cannot use the token proxy's CA file: ${reason}`,
      );
    }
    if (failure.code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
      return new CredentialError(
        'TOKEN_PROXY_TLS',
        `${context.who}: TLS to the token proxy ${proxy} failed: its certificate is not valid for the SNI name ${settings.sniName} (${sniOrigin(settings)}): ${reason}`,
      );
    }
    if (TLS.test(failure.code)) {
      return new CredentialError(
        'TOKEN_PROXY_TLS',
        `${context.who}: TLS to the token proxy ${proxy} (SNI name ${settings.sniName}) failed: ${failure.code}: ${reason} (trusted: ${settings.caFile ?? 'the system roots'})`,
      );
    }
    if (UNRESOLVED.has(failure.code)) {
      return new CredentialError(
        'TOKEN_PROXY_UNRESOLVED',
        `${context.who}: the token proxy ${proxy} does not resolve: ${reason} (check --token-proxy-url and the daemon's DNS policy)`,
      );
    }
    if (UNREACHABLE.has(failure.code) || /socket hang up|timeout/i.test(failure.message)) {
      return new CredentialError(
        'TOKEN_PROXY_UNREACHABLE',
        `${context.who}: the token proxy ${proxy} is not reachable: ${failure.code}: ${reason}`,
      );
    }
  }
  const translated = translateIdentityError(error, context);
  const status = exchange.status;
  if (
    status !== undefined &&
    (status === 429 || status >= 500) &&
    (translated.code === 'CREDENTIAL_FAILED' || translated.code === 'AAD_UNREACHABLE')
  ) {
    return new CredentialError(
      'TOKEN_PROXY_BUSY',
      `${context.who}: the token proxy ${proxy} answered HTTP ${status} until the retries ran out`,
    );
  }
  if (translated.code === 'AAD_UNREACHABLE' && failure !== undefined) {
    return new CredentialError(
      'TOKEN_PROXY_UNREACHABLE',
      `${context.who}: the token proxy ${proxy} failed: ${failure.code}: ${bound(failure.message)}`,
    );
  }
  return translated;
}

function sniOrigin(settings: TokenProxySettings): string {
  return settings.sniSource === 'flag'
    ? 'from --sni-name'
    : "computed from the API server certificate's cluster ID";
}

function bound(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > MAX_REASON_CHARS ? `${oneLine.slice(0, MAX_REASON_CHARS)}…` : oneLine;
}
