import { KeyVaultObjectError } from '../errors.js';
import type { FetcherEvent } from '../options.js';
import { ConversionError } from './conversion-error.js';
import { VersionNotFoundError } from './select-versions.js';

export interface FailedStep {
  readonly operation: 'get' | 'list';
  /** e.g. `secrets/db-password` or `secrets/db-password/<version>`. */
  readonly target: string;
  readonly vaultHost: string;
}

export interface FailureContext {
  readonly signal: AbortSignal;
  readonly deadlineExceeded: boolean;
  readonly budgetMs: number;
  /** A token request (NMI) was still in flight when the step failed. */
  readonly tokenPending?: boolean;
  readonly isCredentialError: (error: unknown) => boolean;
}

interface RestErrorLike {
  readonly name?: string;
  readonly message?: string;
  readonly statusCode?: number;
  readonly code?: string;
  readonly details?: {
    readonly error?: {
      readonly code?: string;
      readonly message?: string;
      readonly innerError?: { readonly code?: string };
    };
  };
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/**
 * The SDK's HTTP client reports a body cut off by the peer (reset or close after the headers) as a
 * `PARSE_ERROR` without a status, not as a network error: it is one, and transient.
 */
function isCutOffResponse(error: RestErrorLike): boolean {
  return (
    error.code === 'PARSE_ERROR' &&
    error.statusCode === undefined &&
    (error.message ?? '').startsWith('Error reading response as text:')
  );
}

function oneLine(text: string): string {
  return text.replace(/\s*\r?\n\s*/g, ' ').trim();
}

function restFailure(error: RestErrorLike, status: number, step: FailedStep): KeyVaultObjectError {
  const detail = error.details?.error;
  const keyVaultCode = detail?.innerError?.code ?? detail?.code ?? error.code;
  const keyVaultMessage = oneLine(detail?.message ?? error.message ?? '');
  // Without a Key Vault error body (e.g. a proxy's 502) say who answered.
  const message = keyVaultCode
    ? `${status} ${keyVaultCode}: ${keyVaultMessage}`
    : `${status} from ${step.vaultHost} (no Key Vault error body): ${keyVaultMessage}`;
  const base = { statusCode: status, keyVaultCode, cause: error };
  if (status === 404)
    return new KeyVaultObjectError(message, { ...base, code: 'NOT_FOUND', kind: 'not_found' });
  if (status === 403) {
    const disabled = keyVaultCode?.endsWith('Disabled') === true;
    return new KeyVaultObjectError(message, {
      ...base,
      code: disabled ? 'DISABLED' : 'FORBIDDEN',
      kind: 'forbidden',
    });
  }
  if (status === 401)
    return new KeyVaultObjectError(message, { ...base, code: 'UNAUTHORIZED', kind: 'unauthorized' });
  if (status === 429)
    return new KeyVaultObjectError(message, { ...base, code: 'THROTTLED', kind: 'throttled' });
  if (status >= 500 || status === 408) {
    return new KeyVaultObjectError(message, { ...base, code: 'SERVER_ERROR', kind: 'transient' });
  }
  return new KeyVaultObjectError(message, { ...base, code: 'INVALID_OBJECT', kind: 'invalid' });
}

/** Turns whatever one Key Vault step threw into the object's error; never includes values or tokens. */
export function classifyFailure(
  error: unknown,
  step: FailedStep,
  context: FailureContext,
): KeyVaultObjectError {
  if (context.isCredentialError(error)) {
    const reason = error instanceof Error ? error.message : String(error);
    return new KeyVaultObjectError(
      `failed to get a token for Key Vault ${step.operation} of ${step.target}: ${reason}`,
      {
        code: 'CREDENTIAL_FAILED',
        kind: 'credential',
        cause: error,
      },
    );
  }
  if (context.signal.aborted) {
    if (context.deadlineExceeded && context.tokenPending) {
      return new KeyVaultObjectError(
        `context deadline exceeded: still waiting for the access token (NMI / identity endpoint) needed for Key Vault ${step.operation} of ${step.target} on ${step.vaultHost} when the mount's ${Math.max(0, Math.round(context.budgetMs))} ms ran out`,
        { code: 'DEADLINE_EXCEEDED', kind: 'deadline', cause: error },
      );
    }
    if (context.deadlineExceeded) {
      return new KeyVaultObjectError(
        `context deadline exceeded: Key Vault ${step.operation} of ${step.target} on ${step.vaultHost} did not complete within the mount's ${Math.max(0, Math.round(context.budgetMs))} ms`,
        { code: 'DEADLINE_EXCEEDED', kind: 'deadline', cause: error },
      );
    }
    return new KeyVaultObjectError(`aborted during Key Vault ${step.operation} of ${step.target}`, {
      code: 'ABORTED',
      kind: 'deadline',
      cause: error,
    });
  }
  if (error instanceof VersionNotFoundError) {
    return new KeyVaultObjectError(error.message, {
      code: 'VERSION_NOT_FOUND',
      kind: 'not_found',
      cause: error,
    });
  }
  if (error instanceof ConversionError) {
    return new KeyVaultObjectError(error.message, {
      code: 'CONVERSION_FAILED',
      kind: 'conversion',
      cause: error,
    });
  }
  const rest = (error ?? {}) as RestErrorLike;
  if (typeof rest.statusCode === 'number') return restFailure(rest, rest.statusCode, step);
  if (rest.code === 'ENOTFOUND') {
    return new KeyVaultObjectError(
      `ENOTFOUND ${step.vaultHost}: DNS lookup failed for the vault host (check keyvaultName and cloudName; behind an HTTPS proxy the proxy resolves it)`,
      { code: 'DNS_NOT_FOUND', kind: 'transient', cause: error },
    );
  }
  if (rest.code !== undefined && NETWORK_CODES.has(rest.code)) {
    return new KeyVaultObjectError(
      `${rest.code} during Key Vault ${step.operation} of ${step.target} on ${step.vaultHost}: ${oneLine(rest.message ?? '')}`,
      {
        code: 'NETWORK_ERROR',
        kind: 'transient',
        cause: error,
      },
    );
  }
  if (isCutOffResponse(rest)) {
    return new KeyVaultObjectError(
      `connection closed mid-response during Key Vault ${step.operation} of ${step.target} on ${step.vaultHost}: ${oneLine(rest.message ?? '')}`,
      { code: 'NETWORK_ERROR', kind: 'transient', cause: error },
    );
  }
  const message = error instanceof Error ? oneLine(error.message) : String(error);
  if (rest.name === 'AbortError') {
    return new KeyVaultObjectError(
      `aborted during Key Vault ${step.operation} of ${step.target}: ${message}`,
      {
        code: 'ABORTED',
        kind: 'deadline',
        cause: error,
      },
    );
  }
  return new KeyVaultObjectError(`Key Vault ${step.operation} of ${step.target} failed: ${message}`, {
    code: 'INTERNAL',
    kind: 'internal',
    cause: error,
  });
}

/** The request event's status for one SDK call's outcome. */
export function requestStatus(
  error: unknown,
  signal: AbortSignal,
): Extract<FetcherEvent, { type: 'request' }>['status'] {
  if (error === undefined) return 'ok';
  const rest = error as RestErrorLike;
  switch (rest.statusCode) {
    case 404:
      return 'not_found';
    case 403:
      return 'forbidden';
    case 401:
      return 'unauthorized';
    case 429:
      return 'throttled';
    case undefined:
      if (signal.aborted || rest.name === 'AbortError') return 'timeout';
      return rest.code !== undefined &&
        (rest.code === 'ENOTFOUND' || NETWORK_CODES.has(rest.code) || isCutOffResponse(rest))
        ? 'network'
        : 'other';
    default:
      return 'other';
  }
}
