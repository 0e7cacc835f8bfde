import type { PodRef } from './pod-ref.js';

/** Stable codes of {@link NmiError}; callers map them (e.g. to gRPC status codes) without parsing messages. */
export type NmiErrorCode =
  /** NMI answered 404: no identity assigned to the pod (yet), or no identity with the requested client id. */
  | 'NMI_NOT_FOUND'
  /** NMI answered 403: Azure AD / IMDS refused to issue the token. */
  | 'NMI_FORBIDDEN'
  /** NMI answered 400 (missing pod headers or resource). */
  | 'NMI_BAD_REQUEST'
  /** NMI answered 5xx (or another unexpected status). */
  | 'NMI_SERVER_ERROR'
  /** No HTTP answer: connection refused or reset, DNS failure. */
  | 'NMI_UNREACHABLE'
  /** 200 whose body is not JSON or lacks the token or client id. */
  | 'NMI_BAD_RESPONSE'
  /** The deadline passed while a request to NMI was still in flight and NMI had not answered before. */
  | 'NMI_TIMEOUT'
  /** The caller's abort signal fired. */
  | 'NMI_ABORTED'
  /** The scope cannot be turned into an NMI resource (empty, or several scopes). */
  | 'NMI_INVALID_SCOPE'
  /** Invalid client or credential options (endpoint, pod). */
  | 'NMI_INVALID_OPTIONS'
  /** The NmiClient was closed. */
  | 'NMI_CLIENT_CLOSED'
  /**
   * A credential pinned to one identity (`NmiCredential.forIdentity`) got a token NMI issued for
   * another: the pod's bindings changed between resolving its identity and using the token.
   */
  | 'NMI_IDENTITY_MISMATCH';

export interface NmiErrorDetails {
  readonly code: NmiErrorCode;
  readonly pod?: PodRef;
  readonly resource?: string;
  readonly endpoint?: string;
  /** HTTP status NMI answered with. */
  readonly status?: number;
  /** NMI's answer, trimmed, tokens redacted, at most ~500 characters. */
  readonly body?: string;
  /** Network error code (ECONNREFUSED, ECONNRESET, ...) for NMI_UNREACHABLE. */
  readonly networkCode?: string;
  readonly attempts?: number;
  readonly elapsedMs?: number;
  readonly cause?: unknown;
}

/**
 * Why a token could not be obtained from NMI. The message names the pod, resource, NMI endpoint,
 * status and NMI's own reason; it never contains a token.
 */
export class NmiError extends Error {
  override readonly name = 'NmiError';
  readonly code: NmiErrorCode;
  readonly pod: PodRef | undefined;
  readonly resource: string | undefined;
  readonly endpoint: string | undefined;
  readonly status: number | undefined;
  readonly body: string | undefined;
  readonly networkCode: string | undefined;
  /** HTTP attempts made (0 when none was needed or possible). */
  readonly attempts: number;
  readonly elapsedMs: number;

  constructor(message: string, details: NmiErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = details.code;
    this.pod = details.pod;
    this.resource = details.resource;
    this.endpoint = details.endpoint;
    this.status = details.status;
    this.body = details.body;
    this.networkCode = details.networkCode;
    this.attempts = details.attempts ?? 0;
    this.elapsedMs = details.elapsedMs ?? 0;
  }
}

/** Code for an HTTP status NMI answered with. */
export function codeForStatus(status: number): NmiErrorCode {
  if (status === 404) return 'NMI_NOT_FOUND';
  if (status === 403) return 'NMI_FORBIDDEN';
  if (status === 400) return 'NMI_BAD_REQUEST';
  return 'NMI_SERVER_ERROR';
}
