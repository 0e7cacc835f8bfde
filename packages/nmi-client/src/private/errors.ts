import { codeForStatus, NmiError } from '../nmi-error.js';
import type { PodRef } from '../pod-ref.js';
import type { AttemptFailure } from './token-request.js';

/** What every error message names besides the cause. */
export interface ErrorContext {
  readonly pod: PodRef;
  readonly resource: string;
  readonly endpoint: string;
  readonly attempts: number;
  readonly elapsedMs: number;
  /** Why the retries stopped, when that is not obvious from the cause. */
  readonly note?: string;
}

const REMOTE_ADDRESS_BODY = 'request remote address is not from a host';

/** The transient answers of docs/nmi.md §5: refused/reset, 404 (identity not assigned yet), most 5xx. */
export function isRetryable(failure: AttemptFailure): boolean {
  if (failure.kind === 'network') return true;
  if (failure.kind !== 'status') return false;
  if (failure.status === 500) return failure.body !== REMOTE_ADDRESS_BODY;
  return [404, 502, 503, 504].includes(failure.status);
}

function suffix(ctx: ErrorContext, withEndpoint: boolean): string {
  const parts = [`pod ${ctx.pod.namespace}/${ctx.pod.name}`, `resource ${ctx.resource}`];
  if (withEndpoint) parts.push(`NMI ${ctx.endpoint}`);
  const attempts = `${ctx.attempts} attempt${ctx.attempts === 1 ? '' : 's'} in ${(ctx.elapsedMs / 1000).toFixed(1)}s`;
  parts.push(ctx.note === undefined ? attempts : `${attempts}; ${ctx.note}`);
  return `(${parts.join(', ')})`;
}

function details(ctx: ErrorContext) {
  return {
    pod: ctx.pod,
    resource: ctx.resource,
    endpoint: ctx.endpoint,
    attempts: ctx.attempts,
    elapsedMs: ctx.elapsedMs,
  };
}

export function failureError(failure: AttemptFailure, ctx: ErrorContext): NmiError {
  switch (failure.kind) {
    case 'status':
      return new NmiError(
        `nmi response failed with status code: ${failure.status}, response body: ${failure.body} ${suffix(ctx, true)}`,
        { ...details(ctx), code: codeForStatus(failure.status), status: failure.status, body: failure.body },
      );
    case 'network':
      return new NmiError(
        `NMI not reachable at ${ctx.endpoint}: ${failure.networkCode} (is aad-pod-identity NMI running on this node?) ` +
          suffix(ctx, false),
        { ...details(ctx), code: 'NMI_UNREACHABLE', networkCode: failure.networkCode, cause: failure.cause },
      );
    case 'bad-response':
      return new NmiError(`${badResponseText(failure)} ${suffix(ctx, true)}`, {
        ...details(ctx),
        code: 'NMI_BAD_RESPONSE',
        status: 200,
      });
  }
}

function badResponseText(failure: Extract<AttemptFailure, { kind: 'bad-response' }>): string {
  switch (failure.problem) {
    case 'missing-token-or-clientid':
      return 'nmi did not return expected values in response: token and clientid';
    case 'not-json':
      // The body itself is never quoted: it may hold a token.
      return `nmi returned a response that is not valid JSON (${failure.bytes} bytes)`;
    case 'no-expiry':
      return 'nmi returned a token without a usable expires_on or expires_in';
    case 'too-large':
      return 'nmi returned a response too large to be a token response (over 256 KiB)';
  }
}

export function timeoutError(ctx: ErrorContext): NmiError {
  return new NmiError(
    `deadline exceeded waiting for a token from NMI at ${ctx.endpoint}: the request was still in flight ` +
      suffix(ctx, false),
    { ...details(ctx), code: 'NMI_TIMEOUT' },
  );
}

export function abortedError(ctx: ErrorContext): NmiError {
  return new NmiError(`getting a token from NMI was aborted ${suffix(ctx, true)}`, {
    ...details(ctx),
    code: 'NMI_ABORTED',
  });
}

export function closedError(ctx: ErrorContext): NmiError {
  return new NmiError(`NmiClient is closed ${suffix(ctx, true)}`, {
    ...details(ctx),
    code: 'NMI_CLIENT_CLOSED',
  });
}
