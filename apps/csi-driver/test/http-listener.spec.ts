import { once } from 'node:events';
import type { Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpListener, type HttpListenerOptions } from '../src/observability/http-listener.js';
import { sendText } from '../src/observability/http-request.js';
import { idleConnection, rawExchange, statusOf } from './support/raw-http.js';

const listeners: HttpListener[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(listeners.splice(0).map((l) => l.stop()));
});

function recordingLogger() {
  const errors: Record<string, unknown>[] = [];
  const warnings: Record<string, unknown>[] = [];
  const logger: NonNullable<HttpListenerOptions['logger']> = {
    error: ((fields: Record<string, unknown>) => errors.push(fields)) as never,
    warn: ((fields: Record<string, unknown>) => warnings.push(fields)) as never,
  };
  return { errors, warnings, logger };
}

async function start(
  handler: Parameters<typeof HttpListener.start>[2],
  options: HttpListenerOptions = {},
): Promise<number> {
  const listener = await HttpListener.start('test', { host: '127.0.0.1', port: 0 }, handler, options);
  listeners.push(listener);
  return listener.port;
}

const GET = (target: string) => `GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`;

describe('HttpListener', () => {
  it('answers 500 with Connection: close when a handler throws or rejects, logs it once, keeps serving', async () => {
    const { errors, logger } = recordingLogger();
    const port = await start(
      (request, response) => {
        if (request.url === '/throw') throw new TypeError('boom');
        if (request.url === '/reject') return Promise.reject(new Error('later'));
        sendText(response, 200, 'ok');
      },
      { logger },
    );
    for (const target of ['/throw', '/reject']) {
      const { response, closed } = await rawExchange(port, GET(target));
      expect(statusOf(response)).toBe(500);
      expect(response.toLowerCase()).toContain('connection: close');
      expect(closed).toBe(true);
    }
    expect(errors).toEqual([
      { listener: 'test', error: 'TypeError: boom' },
      { listener: 'test', error: 'Error: later' },
    ]);
    expect((await fetch(`http://127.0.0.1:${port}/ok`)).status).toBe(200);
  });

  it('answers 431 to a 70 KB path or 5,000 headers and closes the connection', async () => {
    const port = await start((_request, response) => sendText(response, 200, 'ok'));
    const headers = Array.from({ length: 5000 }, (_, i) => `x-${i}: y\r\n`).join('');
    for (const bytes of [GET(`/${'a'.repeat(70_000)}`), `GET / HTTP/1.1\r\nHost: x\r\n${headers}\r\n`]) {
      const { response, closed } = await rawExchange(port, bytes);
      expect(statusOf(response)).toBe(431);
      expect(closed).toBe(true);
    }
  });

  it('closes a connection that does not finish its headers in time', async () => {
    const port = await start((_request, response) => sendText(response, 200, 'ok'), {
      limits: { maxConnections: 8, headersTimeoutMs: 300, requestTimeoutMs: 600 },
    });
    const started = performance.now();
    const { response, closed } = await rawExchange(port, 'GET / HTTP/1.1\r\nHost: x\r\n', 5000);
    expect(closed).toBe(true);
    expect(statusOf(response)).toBe(408);
    expect(performance.now() - started).toBeLessThan(3000);
  });

  it('keeps at most maxConnections open by closing the oldest, so a new client still gets through', async () => {
    const { warnings, logger } = recordingLogger();
    const port = await start((_request, response) => sendText(response, 200, 'ok'), {
      limits: { maxConnections: 3, headersTimeoutMs: 60_000, requestTimeoutMs: 60_000 },
      logger,
    });
    for (let i = 0; i < 5; i++) sockets.push(await idleConnection(port, 'GET / HTTP/1.1\r\n'));
    await Promise.all(sockets.slice(0, 2).map((s) => (s.closed ? undefined : once(s, 'close'))));
    await delay(50);
    expect(sockets.map((s) => s.closed)).toEqual([true, true, false, false, false]);
    const { response } = await rawExchange(port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(statusOf(response)).toBe(200);
    expect(warnings[0]).toMatchObject({ listener: 'test', maxConnections: 3 });
    expect(warnings).toHaveLength(1);
  });
});
