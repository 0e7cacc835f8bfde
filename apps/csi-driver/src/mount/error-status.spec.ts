import { status } from '@grpc/grpc-js';
import {
  KeyVaultObjectError,
  type KeyVaultObjectErrorCode,
  type KeyVaultObjectErrorKind,
  MountFetchError,
  NothingToMountError,
} from '@keyvault-csi/keyvault-fetcher';
import { NmiError, type NmiErrorCode } from '@keyvault-csi/nmi-client';
import { type KeyVaultObject, SpcError } from '@keyvault-csi/spc';
import { TemplateRenderError } from '@keyvault-csi/templates';
import { describe, expect, it } from 'vitest';
import { CredentialError, type CredentialErrorCode } from '../credentials/credential-error.js';
import { MountBudgetExceededError, MountCancelledError, mountErrorStatus } from './error-status.js';

const secret = (objectName: string, index: number): KeyVaultObject => ({
  index,
  objectName,
  objectType: 'secret',
  objectAlias: '',
  objectVersion: '',
  objectVersionHistory: 0,
  objectFormat: 'pem',
  objectEncoding: 'utf-8',
  filePermission: '',
  fileMode: 0o644,
  fileName: objectName,
});

function objectError(kind: KeyVaultObjectErrorKind, code: KeyVaultObjectErrorCode, cause?: unknown) {
  return new KeyVaultObjectError(`${kind} happened`, {
    kind,
    code,
    ...(cause === undefined ? {} : { cause }),
  });
}

function nmiError(code: NmiErrorCode): NmiError {
  return new NmiError(`nmi says ${code}`, { code });
}

describe('mountErrorStatus', () => {
  it('maps every spc error to INVALID_ARGUMENT with the exact text after the prefix', () => {
    const result = mountErrorStatus(new SpcError('POD_NAME_MISSING', 'pod name is not provided'));
    expect(result).toEqual({
      code: status.INVALID_ARGUMENT,
      details: 'failed to mount objects, error: pod name is not provided',
      errorCode: 'SPC:POD_NAME_MISSING',
    });
  });

  it('maps a mount whose optional objects were all skipped to FAILED_PRECONDITION (extensions.md §1)', () => {
    const result = mountErrorStatus(new NothingToMountError([secret('a', 0), secret('b', 1)]));
    expect(result).toEqual({
      code: status.FAILED_PRECONDITION,
      details:
        'failed to mount objects, error: no object to mount: every object is optional and none was found (a, b)',
      errorCode: 'NOTHING_TO_MOUNT',
    });
  });

  it.each([
    ['NMI_NOT_FOUND', status.FAILED_PRECONDITION],
    ['NMI_SERVER_ERROR', status.FAILED_PRECONDITION],
    ['NMI_UNREACHABLE', status.FAILED_PRECONDITION],
    ['NMI_BAD_RESPONSE', status.FAILED_PRECONDITION],
    ['NMI_BAD_REQUEST', status.INTERNAL],
    ['NMI_FORBIDDEN', status.PERMISSION_DENIED],
    ['NMI_IDENTITY_MISMATCH', status.PERMISSION_DENIED],
    ['NMI_TIMEOUT', status.DEADLINE_EXCEEDED],
    ['NMI_ABORTED', status.CANCELLED],
    ['NMI_CLIENT_CLOSED', status.INTERNAL],
  ] as const)('maps %s to %s', (code, expected) => {
    const result = mountErrorStatus(nmiError(code));
    expect(result.code).toBe(expected);
    expect(result.details).toBe(`failed to mount objects, error: nmi says ${code}`);
  });

  it.each([
    ['not_found', 'NOT_FOUND', status.NOT_FOUND],
    ['forbidden', 'FORBIDDEN', status.PERMISSION_DENIED],
    ['unauthorized', 'UNAUTHORIZED', status.UNAUTHENTICATED],
    ['throttled', 'THROTTLED', status.RESOURCE_EXHAUSTED],
    ['transient', 'SERVER_ERROR', status.ABORTED],
    ['conversion', 'CONVERSION_FAILED', status.FAILED_PRECONDITION],
    ['deadline', 'DEADLINE_EXCEEDED', status.DEADLINE_EXCEEDED],
    ['invalid', 'INVALID_OBJECT', status.INVALID_ARGUMENT],
    ['internal', 'INTERNAL', status.INTERNAL],
  ] as const)('maps a Key Vault %s failure to %s', (kind, code, expected) => {
    const error = new MountFetchError([{ object: secret('s1', 0), error: objectError(kind, code) }]);
    const result = mountErrorStatus(error);
    expect(result.code).toBe(expected);
    expect(result.details).toBe(
      `failed to mount objects, error: failed to get objectType:secret, objectName:s1, objectVersion:: ${kind} happened`,
    );
  });

  it('maps a credential failure by its cause', () => {
    const forbidden = new MountFetchError([
      {
        object: secret('s1', 0),
        error: objectError('credential', 'CREDENTIAL_FAILED', nmiError('NMI_FORBIDDEN')),
      },
    ]);
    expect(mountErrorStatus(forbidden)).toMatchObject({
      code: status.PERMISSION_DENIED,
      errorCode: 'NMI_FORBIDDEN',
    });
    const notFound = new MountFetchError([
      {
        object: secret('s1', 0),
        error: objectError('credential', 'CREDENTIAL_FAILED', nmiError('NMI_NOT_FOUND')),
      },
    ]);
    expect(mountErrorStatus(notFound).code).toBe(status.FAILED_PRECONDITION);
    const unknown = new MountFetchError([
      { object: secret('s1', 0), error: objectError('credential', 'CREDENTIAL_FAILED', new TypeError('x')) },
    ]);
    expect(mountErrorStatus(unknown).code).toBe(status.INTERNAL);
  });

  it.each([
    ['INVALID_CREDENTIAL_CONFIG', status.INVALID_ARGUMENT],
    ['TENANT_MISMATCH', status.INVALID_ARGUMENT],
    ['IDENTITY_MISMATCH', status.PERMISSION_DENIED],
    ['AAD_REJECTED', status.UNAUTHENTICATED],
    ['AAD_UNREACHABLE', status.ABORTED],
    ['AAD_TRANSIENT', status.ABORTED],
    ['IMDS_UNREACHABLE', status.FAILED_PRECONDITION],
    ['IMDS_IDENTITY_NOT_FOUND', status.FAILED_PRECONDITION],
    ['IMDS_FAILED', status.FAILED_PRECONDITION],
    ['CREDENTIAL_FAILED', status.UNAUTHENTICATED],
    ['TOKEN_PROXY_NOT_AVAILABLE', status.FAILED_PRECONDITION],
    ['TOKEN_PROXY_TLS', status.FAILED_PRECONDITION],
    ['TOKEN_PROXY_CA_FILE', status.FAILED_PRECONDITION],
    ['TOKEN_PROXY_UNRESOLVED', status.FAILED_PRECONDITION],
    ['TOKEN_PROXY_UNREACHABLE', status.UNAVAILABLE],
    ['TOKEN_PROXY_BUSY', status.UNAVAILABLE],
  ] as const)('maps the credential failure %s to %s, directly and inside a fetch', (code, expected) => {
    const error = new CredentialError(code satisfies CredentialErrorCode, `mode says ${code}`);
    expect(mountErrorStatus(error)).toEqual({
      code: expected,
      errorCode: code,
      details: `failed to mount objects, error: mode says ${code}`,
    });
    const fetch = new MountFetchError([
      { object: secret('s1', 0), error: objectError('credential', 'CREDENTIAL_FAILED', error) },
    ]);
    expect(mountErrorStatus(fetch)).toMatchObject({ code: expected, errorCode: code });
  });

  it('uses the first failing object in SecretProviderClass order and lists them all', () => {
    const error = new MountFetchError([
      { object: secret('first', 0), error: objectError('throttled', 'THROTTLED') },
      { object: secret('second', 1), error: objectError('not_found', 'NOT_FOUND') },
    ]);
    const result = mountErrorStatus(error);
    expect(result.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(result.details).toContain('objectName:first');
    expect(result.details).toContain('; failed to get objectType:secret, objectName:second');
  });

  it('answers CANCELLED and DEADLINE_EXCEEDED for our own stops, INTERNAL for bugs, never UNAVAILABLE', () => {
    expect(mountErrorStatus(new MountCancelledError('stopping')).code).toBe(status.CANCELLED);
    expect(mountErrorStatus(new MountBudgetExceededError('too slow')).code).toBe(status.DEADLINE_EXCEEDED);
    const bug = mountErrorStatus(new TypeError("Cannot read properties of undefined (reading 'x')"));
    expect(bug).toMatchObject({ code: status.INTERNAL, errorCode: 'INTERNAL' });
    expect(bug.details).toBe(
      "failed to mount objects, error: internal error: Cannot read properties of undefined (reading 'x')",
    );
    expect(mountErrorStatus('a string').code).toBe(status.INTERNAL);
  });

  it('bounds and repairs the message', () => {
    const result = mountErrorStatus(
      new SpcError('VAULT_NAME_MISSING', `bad \uD800 ${'x'.repeat(1_000_000)}`),
    );
    expect(Buffer.byteLength(result.details)).toBeLessThanOrEqual(4096);
    expect(result.details).not.toMatch(/[\uD800-\uDFFF]/);
  });
});

describe('templates (extensions.md §8)', () => {
  it('a render failure is FAILED_PRECONDITION with the template error text and its code', () => {
    const failure = mountErrorStatus(
      new TemplateRenderError(
        'TEMPLATE_FILE_NOT_FOUND',
        'conf/db.url',
        'file: file "db" is not a file of this mount',
      ),
    );
    expect(failure).toEqual({
      code: status.FAILED_PRECONDITION,
      errorCode: 'TEMPLATE_FILE_NOT_FOUND',
      details:
        'failed to mount objects, error: template conf/db.url: file: file "db" is not a file of this mount',
    });
  });
});
