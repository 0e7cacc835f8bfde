import { type PipelineRequest, RestError } from '@azure/core-rest-pipeline';

/**
 * undici's own error codes and the Node socket error code the SDK's default (node:https) client
 * would have reported for the same failure, so the SDK's retry policy (which retries ECONNRESET,
 * ECONNREFUSED, ETIMEDOUT, ESOCKETTIMEDOUT, ENOENT, ENOTFOUND) and classify-error see what they
 * know.
 */
const UNDICI_TO_SOCKET_CODE: Readonly<Record<string, string>> = {
  // "other side closed", a socket error mid-request: node:http says ECONNRESET ("socket hang up").
  UND_ERR_SOCKET: 'ECONNRESET',
  UND_ERR_CONNECT_TIMEOUT: 'ETIMEDOUT',
  UND_ERR_HEADERS_TIMEOUT: 'ETIMEDOUT',
  UND_ERR_BODY_TIMEOUT: 'ETIMEDOUT',
  // HTTP/2: the server reset this request's stream, or the session it shared failed or was told to
  // go away. Over HTTP/1.1 the same failures are a reset connection.
  ERR_HTTP2_STREAM_ERROR: 'ECONNRESET',
  ERR_HTTP2_SESSION_ERROR: 'ECONNRESET',
  ERR_HTTP2_GOAWAY_SESSION: 'ECONNRESET',
};

/** undici's message when the proxy answers CONNECT with anything but 200 (proxy-agent.js). */
const PROXY_REFUSED = /^Proxy response \((\d{3})\) !== 200 when HTTP Tunneling$/;

/** Mirrors the AbortError of the SDK's default client: not a RestError, so no policy retries it. */
export class TransportAbortError extends Error {
  override readonly name = 'AbortError';
}

interface ErrorLike {
  readonly message?: unknown;
  readonly code?: unknown;
  readonly cause?: unknown;
}

function codeOf(error: unknown): string | undefined {
  const code = (error as ErrorLike | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

function messageOf(error: unknown): string {
  const message = (error as ErrorLike | undefined)?.message;
  return typeof message === 'string' ? message : String(error);
}

/** The status a proxy answered a CONNECT with, when that is why undici gave up. */
export function proxyRefusalStatus(error: unknown): number | undefined {
  const match = PROXY_REFUSED.exec(messageOf(error));
  return match ? Number(match[1]) : undefined;
}

/**
 * A failed send (connect, TLS, write, or the response head) as the default client reports it:
 * `RestError` with the socket error's `code` (`ECONNREFUSED`, `ENOTFOUND`, a TLS code such as
 * `UNABLE_TO_VERIFY_LEAF_SIGNATURE`, ...), undici-specific codes translated to the Node code.
 */
export function sendError(error: unknown, request: PipelineRequest): RestError {
  const own = codeOf(error);
  // undici wraps some socket errors; the Node code underneath is the precise one.
  const cause = codeOf((error as ErrorLike | undefined)?.cause);
  const code =
    (own && UNDICI_TO_SOCKET_CODE[own]) ??
    (own?.startsWith('UND_ERR') ? (cause ?? RestError.REQUEST_SEND_ERROR) : own) ??
    cause ??
    RestError.REQUEST_SEND_ERROR;
  const restError = new RestError(messageOf(error), { code, request });
  Object.defineProperty(restError, 'cause', { value: error, enumerable: false });
  return restError;
}

/** undici's codes for a connection (HTTP/2: stream) lost mid-body; node:http reports all of them as `aborted`. */
const BODY_CUT_OFF_CODES = new Set([
  'UND_ERR_SOCKET',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
  'ECONNRESET',
  'ERR_HTTP2_STREAM_ERROR',
  'ERR_HTTP2_SESSION_ERROR',
  'ERR_HTTP2_GOAWAY_SESSION',
]);

/**
 * A response body that failed part-way, as the default client reports it (`PARSE_ERROR`, message
 * `Error reading response as text: aborted` for a connection lost mid-body): classify-error treats
 * that as a transient network error. The undici error stays the `cause`.
 */
export function bodyError(error: unknown): RestError {
  const code = codeOf(error);
  const reason = code !== undefined && BODY_CUT_OFF_CODES.has(code) ? 'aborted' : messageOf(error);
  const restError = new RestError(`Error reading response as text: ${reason}`, {
    code: RestError.PARSE_ERROR,
  });
  Object.defineProperty(restError, 'cause', { value: error, enumerable: false });
  return restError;
}
