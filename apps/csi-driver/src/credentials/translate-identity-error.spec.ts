import { describe, expect, it } from 'vitest';
import { translateIdentityError } from './translate-identity-error.js';

const SECRET = 'pa55~word~never~shown';
const AAD = { who: 'service principal c1 in tenant t1', source: 'aad', redact: [SECRET] } as const;

// The message @azure/identity 4.13.1 gives for an Azure AD error answer: MSAL's ServerError text,
// rethrown as AuthenticationRequiredError.
const msalMessage = (description: string) =>
  `invalid_client: Error(s): 7000215 - Timestamp: 2026-11-29 13:00:00Z - Description: ${description}\r\nTrace ID: 1f\r\nCorrelation ID: 2e\r\nTimestamp: 2026-11-29 13:00:00Z - Correlation ID: 2e - Trace ID: 1f`;

describe('translateIdentityError', () => {
  it("keeps Azure AD's AADSTS code and text, drops MSAL's trace noise", () => {
    const error = translateIdentityError(
      new Error(msalMessage("AADSTS7000215: Invalid client secret provided. For app 'c1'.")),
      AAD,
    );
    expect(error.code).toBe('AAD_REJECTED');
    expect(error.message).toBe(
      "service principal c1 in tenant t1: Azure AD refused the token request (invalid_client): AADSTS7000215: Invalid client secret provided. For app 'c1'.",
    );
  });

  it('tells Azure AD transient trouble (AADSTS90033) from a refusal', () => {
    const error = translateIdentityError(
      new Error(msalMessage('AADSTS90033: A transient error has occurred. Please try again.')),
      AAD,
    );
    expect(error.code).toBe('AAD_TRANSIENT');
    expect(error.message).toContain('AADSTS90033: A transient error has occurred. Please try again.');
  });

  it('never repeats the secret or a JWT even if a dependency echoed them', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln';
    const error = translateIdentityError(new Error(`connect ECONNREFUSED with ${SECRET} and ${jwt}`), AAD);
    expect(error.code).toBe('AAD_UNREACHABLE');
    expect(error.message).not.toContain(SECRET);
    expect(error.message).not.toContain(jwt);
    expect(error.message).toContain('[REDACTED]');
  });

  it('tells IMDS identity not found, unreachable and other answers apart', () => {
    const imds = { who: 'VM managed identity (system-assigned)', source: 'imds', redact: [] } as const;
    const notFound = translateIdentityError(
      new Error(
        'ManagedIdentityCredential: Authentication failed. Message invalid_request: Error(s): undefined - Timestamp: undefined - Description: Identity not found - Correlation ID: undefined - Trace ID: undefined',
      ),
      imds,
    );
    expect(notFound.code).toBe('IMDS_IDENTITY_NOT_FOUND');
    const unreachable = translateIdentityError(
      new Error(
        'ManagedIdentityCredential: Network unreachable. Message: network_error: Network request failed',
      ),
      imds,
    );
    expect(unreachable.code).toBe('IMDS_UNREACHABLE');
    expect(unreachable.message).toContain('http://169.254.169.254');
    const other = translateIdentityError(
      new Error(
        'ManagedIdentityCredential: Authentication failed. Message invalid_request: Error(s): undefined - Timestamp: undefined - Description: Required audience parameter not specified - Correlation ID: undefined - Trace ID: undefined',
      ),
      imds,
    );
    expect(other.code).toBe('IMDS_FAILED');
    expect(other.message).toBe(
      'VM managed identity (system-assigned): the instance metadata service at http://169.254.169.254 refused the token request: Required audience parameter not specified',
    );
  });
});
