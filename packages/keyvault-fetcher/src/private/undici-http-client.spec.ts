import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { createHttpHeaders, createPipelineRequest, isRestError } from '@azure/core-rest-pipeline';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UndiciHttpClient } from './undici-http-client.js';

/** A real HTTP server on 127.0.0.1 whose routes exercise what the SDK pipeline relies on. */
let server: Server;
let base: string;
const agent = new Agent();
const client = new UndiciHttpClient(agent);
const seen: { method?: string; headers?: IncomingMessage['headers']; body?: string } = {};

function route(req: IncomingMessage, res: ServerResponse, body: string): void {
  Object.assign(seen, { method: req.method, headers: req.headers, body });
  switch (req.url) {
    case '/multi':
      res.setHeader('www-authenticate', ['Bearer a="1"', 'Bearer b="2"']);
      res.setHeader('set-cookie', ['first=1', 'second=2']);
      res.setHeader('x-ms-request-id', 'req-1');
      res.end('{"ok":true}');
      return;
    case '/gzip':
      res.setHeader('content-encoding', 'gzip');
      res.end(gzipSync('decompressed text'));
      return;
    case '/slow':
      setTimeout(() => res.end('late'), 2_000);
      return;
    case '/cut':
      res.setHeader('content-length', '100');
      res.write('partial');
      setTimeout(() => res.socket?.destroy(), 10);
      return;
    default:
      res.setHeader('content-type', 'text/plain');
      res.end(`echo ${req.method} ${body}`);
  }
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => route(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await agent.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const request = (path: string, fields: Partial<Parameters<typeof createPipelineRequest>[0]> = {}) =>
  createPipelineRequest({ url: `${base}${path}`, allowInsecureConnection: true, ...fields });

async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e as Error & { code?: string },
  );
}

describe('UndiciHttpClient', () => {
  it('returns status, headers (repeated ones joined, set-cookie first), bodyAsText and the request', async () => {
    const req = request('/multi', { headers: createHttpHeaders({ 'x-ms-client-request-id': 'abc' }) });
    const response = await client.sendRequest(req);
    expect(response.status).toBe(200);
    expect(response.request).toBe(req);
    expect(response.bodyAsText).toBe('{"ok":true}');
    expect(response.headers.get('WWW-Authenticate')).toBe('Bearer a="1", Bearer b="2"');
    expect(response.headers.get('set-cookie')).toBe('first=1');
    expect(response.headers.get('x-ms-request-id')).toBe('req-1');
    expect(seen.headers?.['x-ms-client-request-id']).toBe('abc');
  });

  it('sends method, string body and its Content-Length', async () => {
    const response = await client.sendRequest(request('/echo', { method: 'POST', body: 'héllo' }));
    expect(response.bodyAsText).toBe('echo POST héllo');
    expect(seen.headers?.['content-length']).toBe(String(Buffer.byteLength('héllo')));
  });

  it('decodes gzip only when the request sent Accept-Encoding, like the default client', async () => {
    const accept = createHttpHeaders({ 'Accept-Encoding': 'gzip' });
    const decoded = await client.sendRequest(request('/gzip', { headers: accept }));
    expect(decoded.bodyAsText).toBe('decompressed text');
    const raw = await client.sendRequest(request('/gzip'));
    expect(raw.bodyAsText).not.toBe('decompressed text');
  });

  it('refuses plain http unless allowInsecureConnection', async () => {
    const error = await rejection(client.sendRequest(request('/echo', { allowInsecureConnection: false })));
    expect(error.message).toBe(`Cannot connect to ${base}/echo while allowInsecureConnection is false.`);
  });

  it('refuses streamed responses with a clear error', async () => {
    const error = await rejection(
      client.sendRequest(request('/echo', { streamResponseStatusCodes: new Set([200]) })),
    );
    expect(isRestError(error)).toBe(true);
    expect(error.message).toContain("use transport: 'sdk'");
  });

  it('abortSignal and timeout end in an AbortError (not retried by the SDK)', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const aborted = await rejection(client.sendRequest(request('/slow', { abortSignal: controller.signal })));
    expect(aborted.name).toBe('AbortError');
    const timedOut = await rejection(client.sendRequest(request('/slow', { timeout: 50 })));
    expect(timedOut.name).toBe('AbortError');
    const already = await rejection(
      client.sendRequest(request('/echo', { abortSignal: AbortSignal.abort() })),
    );
    expect(already.message).toBe('The operation was aborted. Request has already been canceled.');
  });

  it('a refused connection is a RestError with code ECONNREFUSED', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await rejection(
      client.sendRequest(
        createPipelineRequest({ url: `http://127.0.0.1:${port}/`, allowInsecureConnection: true }),
      ),
    );
    expect(isRestError(error)).toBe(true);
    expect(error.code).toBe('ECONNREFUSED');
  });

  it('a body cut off is a PARSE_ERROR "Error reading response as text", like the default client', async () => {
    const error = await rejection(client.sendRequest(request('/cut')));
    expect(isRestError(error)).toBe(true);
    expect(error.code).toBe('PARSE_ERROR');
    expect(error.message).toBe('Error reading response as text: aborted');
  });
});
