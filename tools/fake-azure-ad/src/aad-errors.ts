import { randomUUID } from 'node:crypto';

/** An Azure AD error answer: HTTP status and the OAuth error body the real service sends. */
export interface AadErrorAnswer {
  readonly status: number;
  readonly body: {
    readonly error: string;
    readonly error_description: string;
    readonly error_codes: readonly number[];
    readonly timestamp: string;
    readonly trace_id: string;
    readonly correlation_id: string;
    readonly error_uri: string;
  };
}

/**
 * Builds the body shape of login.microsoftonline.com: `error`, an `error_description` that starts
 * with `AADSTS<code>: ` and ends with the trace/correlation/timestamp lines, `error_codes`, ...
 */
export function aadError(
  status: number,
  error: string,
  code: number,
  text: string,
  options: { readonly now?: number; readonly correlationId?: string } = {},
): AadErrorAnswer {
  // Azure AD prints `2026-11-29 13:00:00Z`.
  const timestamp = new Date(options.now ?? Date.now())
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace('T', ' ');
  const traceId = randomUUID();
  const correlationId = options.correlationId ?? randomUUID();
  return {
    status,
    body: {
      error,
      error_description: `AADSTS${code}: ${text}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${timestamp}`,
      error_codes: [code],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `https://login.microsoftonline.com/error?code=${code}`,
    },
  };
}

/** The AADSTS answers the fake gives, with the real service's codes and wording. */
export const AadErrors = {
  tenantNotFound: (tenant: string) =>
    aadError(
      400,
      'invalid_request',
      90002,
      `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
    ),
  unknownApplication: (clientId: string, tenant: string) =>
    aadError(
      400,
      'unauthorized_client',
      700016,
      `Application with identifier '${clientId}' was not found in the directory '${tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
    ),
  invalidClientSecret: (clientId: string) =>
    aadError(
      401,
      'invalid_client',
      7000215,
      `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
    ),
  credentialRequired: () =>
    aadError(
      401,
      'invalid_client',
      7000216,
      `'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.`,
    ),
  unsupportedGrant: (grant: string) =>
    aadError(400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grant}'.`),
  invalidScope: (scope: string) =>
    aadError(
      400,
      'invalid_scope',
      1002012,
      `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
    ),
  assertionSignatureInvalid: () =>
    aadError(400, 'invalid_client', 700027, 'Client assertion failed signature validation.'),
  assertionExpired: () =>
    aadError(400, 'invalid_client', 700024, 'Client assertion is not within its valid time range.'),
  noFederatedRecordForSubject: (subject: string) =>
    aadError(
      400,
      'invalid_client',
      700213,
      `No matching federated identity record found for presented assertion subject '${subject}'. Check your federated identity credential Subject, Audience and Issuer against the presented assertion.`,
    ),
  noFederatedRecord: (issuer: string, subject: string, audience: string) =>
    aadError(
      400,
      'invalid_client',
      70021,
      `No matching federated identity record found for presented assertion. Assertion Issuer: '${issuer}'. Assertion Subject: '${subject}'. Assertion Audience: '${audience}'.`,
    ),
  invalidAssertionType: () =>
    aadError(
      400,
      'invalid_request',
      7000219,
      `'client_assertion_type' must be 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'.`,
    ),
} as const;
