import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import {
  createHttpHeaders,
  type HttpClient,
  type HttpHeaders,
  type PipelineRequest,
  type PipelineResponse,
  RestError,
} from '@azure/core-rest-pipeline';
import type { Dispatcher } from 'undici';
import { bodyError, proxyRefusalStatus, sendError, TransportAbortError } from './transport-error.js';

type UndiciBody = string | Buffer | Uint8Array | Readable | null;

/**
 * An SDK `HttpClient` that sends every request through one shared undici dispatcher, so all SDK
 * clients of a fetcher reuse keep-alive connections and, behind `HTTPS_PROXY`, CONNECT tunnels
 * (the default node:https client plus https-proxy-agent opens a tunnel and a TLS handshake per
 * request).
 *
 * It mirrors the default client (`@typespec/ts-http-runtime` nodeHttpClient): the
 * `allowInsecureConnection` check, `abortSignal` and `timeout` ending in an `AbortError`, send
 * failures as `RestError` with the socket error's `code`, a body cut off as `PARSE_ERROR`, gzip and
 * deflate decoded when the request sent `Accept-Encoding`, `Content-Length` set for known body sizes.
 *
 * Deliberately ignored: `request.agent` and `request.proxySettings` (set by the SDK's proxy and agent
 * policies, which stay in the pipeline; routing and proxying are the dispatcher's, so nothing is
 * proxied twice), `tlsSettings`, `disableKeepAlive` and `requestOverrides` (the fetcher refuses the
 * client options that set them). Not supported, and refused with a clear error:
 * `streamResponseStatusCodes` and `onUploadProgress` (Key Vault reads need neither).
 */
export class UndiciHttpClient implements HttpClient {
  constructor(private readonly dispatcher: Dispatcher) {}

  async sendRequest(request: PipelineRequest): Promise<PipelineResponse> {
    const url = new URL(request.url);
    if (url.protocol !== 'https:' && !request.allowInsecureConnection) {
      throw new Error(`Cannot connect to ${request.url} while allowInsecureConnection is false.`);
    }
    if (request.streamResponseStatusCodes && request.streamResponseStatusCodes.size > 0) {
      throw new RestError(
        "streamed responses (streamResponseStatusCodes) are not supported by the fetcher's undici transport; use transport: 'sdk'",
        { code: 'UNSUPPORTED_REQUEST', request },
      );
    }
    if (request.onUploadProgress && request.body) {
      throw new RestError(
        "upload progress (onUploadProgress) is not supported by the fetcher's undici transport; use transport: 'sdk'",
        { code: 'UNSUPPORTED_REQUEST', request },
      );
    }
    if (request.abortSignal?.aborted) {
      throw new TransportAbortError('The operation was aborted. Request has already been canceled.');
    }

    const controller = new AbortController();
    const onAbort = (): void => controller.abort();
    request.abortSignal?.addEventListener('abort', onAbort);
    const timer = request.timeout > 0 ? setTimeout(onAbort, request.timeout) : undefined;
    const aborted = (): TransportAbortError =>
      new TransportAbortError(
        'The operation was aborted. Rejecting from abort signal callback while making request.',
      );
    try {
      const body = await requestBody(request);
      let response: Dispatcher.ResponseData;
      try {
        response = await this.dispatcher.request({
          origin: url.origin,
          path: `${url.pathname}${url.search}`,
          method: request.method,
          headers: request.headers.toJSON({ preserveCase: true }),
          body,
          signal: controller.signal,
        });
      } catch (error) {
        if (controller.signal.aborted) throw aborted();
        const proxyStatus = proxyRefusalStatus(error);
        if (proxyStatus !== undefined) return proxyRefusal(request, url, proxyStatus);
        throw sendError(error, request);
      }
      clearTimeout(timer);
      const headers = responseHeaders(response.headers);
      const result: PipelineResponse = { status: response.statusCode, headers, request };
      if (request.method === 'HEAD') {
        // Drain without destroying, so the connection stays in the pool.
        await response.body.dump();
        return result;
      }
      try {
        result.bodyAsText = await readText(response.body, request, headers);
      } catch (error) {
        if (controller.signal.aborted) throw aborted();
        throw bodyError(error);
      }
      return result;
    } finally {
      clearTimeout(timer);
      request.abortSignal?.removeEventListener('abort', onAbort);
    }
  }
}

/**
 * The request body as undici takes it. The SDK sends none for Key Vault reads; strings, bytes and
 * Node or web streams are passed on, a Blob is read into memory.
 */
async function requestBody(request: PipelineRequest): Promise<UndiciBody> {
  const raw = typeof request.body === 'function' ? request.body() : request.body;
  if (raw === undefined || raw === null) return null;
  let body: UndiciBody;
  if (typeof raw === 'string' || Buffer.isBuffer(raw)) body = raw;
  else if (raw instanceof ArrayBuffer) body = Buffer.from(raw);
  else if (ArrayBuffer.isView(raw)) body = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  else if (raw instanceof Blob) body = Buffer.from(await raw.arrayBuffer());
  else if (raw instanceof ReadableStream)
    body = Readable.fromWeb(raw as import('node:stream/web').ReadableStream);
  else if (typeof (raw as NodeJS.ReadableStream).pipe === 'function')
    body = Readable.from(raw as NodeJS.ReadableStream);
  else throw new RestError('Unrecognized body type', { code: RestError.REQUEST_SEND_ERROR, request });
  if (!request.headers.has('Content-Length') && typeof body === 'string')
    request.headers.set('Content-Length', Buffer.byteLength(body));
  else if (!request.headers.has('Content-Length') && body instanceof Uint8Array)
    request.headers.set('Content-Length', body.byteLength);
  return body;
}

/**
 * Response headers as the SDK expects them. undici gives repeated headers as arrays: joined with
 * `, ` as node:http does for most headers (e.g. two `WWW-Authenticate` challenges); `set-cookie` keeps
 * its first value, as the default client does.
 */
function responseHeaders(raw: Record<string, string | string[] | undefined>): HttpHeaders {
  const headers = createHttpHeaders();
  for (const [name, value] of Object.entries(raw)) {
    if (Array.isArray(value)) {
      const joined = name === 'set-cookie' ? value[0] : value.join(', ');
      if (joined !== undefined && value.length > 0) headers.set(name, joined);
    } else if (value !== undefined) {
      headers.set(name, value);
    }
  }
  return headers;
}

async function readText(
  body: Dispatcher.ResponseData['body'],
  request: PipelineRequest,
  headers: HttpHeaders,
): Promise<string> {
  const acceptEncoding = request.headers.get('Accept-Encoding');
  const decompress = acceptEncoding?.includes('gzip') || acceptEncoding?.includes('deflate');
  const encoding = headers.get('Content-Encoding');
  let stream: Readable = body;
  if (decompress && encoding === 'gzip') stream = body.pipe(zlib.createGunzip());
  else if (decompress && encoding === 'deflate') stream = body.pipe(zlib.createInflate());
  if (stream !== body) body.on('error', (error) => stream.destroy(error));
  const chunks: Buffer[] = [];
  let loadedBytes = 0;
  for await (const chunk of stream) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    chunks.push(buffer);
    loadedBytes += buffer.length;
    request.onDownloadProgress?.({ loadedBytes });
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The proxy refused the CONNECT (e.g. 407, or 502 for a host it cannot reach). With the SDK's
 * default client (https-proxy-agent) the proxy's answer surfaces as the response, so the SDK's
 * retry policy and the error classification see that status; the same here, with a body naming
 * the proxy as the one who answered.
 */
function proxyRefusal(request: PipelineRequest, url: URL, status: number): PipelineResponse {
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  const bodyAsText = `the HTTPS proxy answered ${status} to CONNECT ${url.hostname}:${port}`;
  const headers = createHttpHeaders({ 'content-type': 'text/plain' });
  return { status, headers, request, bodyAsText };
}
