// The health and metrics ports listen on the node's addresses (hostNetwork): anyone reaching a node
// IP can send them anything (issue 12 §1, §5). The built daemon, run as the Helm chart runs it (its
// Node flags and environment), gets malformed, absolute-form and asterisk-form targets, a 70 KB
// path, 5,000 headers, raw garbage and a pile of stalled connections on both ports; afterwards it
// must still be alive, /healthz must answer 200 and a mount must succeed.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { chartDaemonRuntime, ProviderStack } from '@keyvault-csi/demo';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mount, newPod, podIdentityParameters } from './support/mount.js';
import { heldConnection, rawExchange, statusOf } from './support/raw-http.js';

let stack: ProviderStack;
let ports: { healthz: number; metrics: number };
const vault = `kvhttp${randomUUID().replaceAll('-', '').slice(0, 8)}`;
const pod = newPod('web-0', 'hostile-http');
const secret = `http-secret-${randomUUID()}`;

beforeAll(async () => {
  const runtime = chartDaemonRuntime();
  stack = await ProviderStack.start({
    healthz: true,
    metrics: true,
    nodeOptions: runtime.nodeOptions,
    daemonEnv: runtime.env,
  });
  ports = {
    healthz: Number(new URL(stack.healthzUrl!).port),
    metrics: Number(new URL(stack.metricsUrl!).port),
  };
  const clientId = randomUUID();
  stack.nmi.bind(pod.namespace, pod.name, clientId);
  stack.keyVault
    .addVault(vault)
    .grant(clientId, { secrets: ['get'] })
    .setSecret('db', secret);
});

afterAll(async () => {
  const exit = await stack?.daemon.stop();
  const output = stack?.daemon.output ?? '';
  await stack?.stop();
  expect(exit?.code).toBe(0);
  for (const line of output.split('\n')) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(4096);
});

const request = (target: string, method = 'GET') =>
  `${method} ${target} HTTP/1.1\r\nHost: node\r\nConnection: close\r\n\r\n`;

/** Request heads that once ended the process or that a parser could choke on, and what they get. */
const HOSTILE: readonly { readonly name: string; readonly bytes: string | Buffer }[] = [
  { name: 'GET //', bytes: request('//') },
  { name: 'GET //%', bytes: request('//%') },
  { name: 'GET ///', bytes: request('///') },
  { name: 'GET /healthz?%', bytes: request('/healthz?%') },
  { name: 'GET /metrics?%', bytes: request('/metrics?%') },
  { name: 'GET %zz', bytes: request('%zz') },
  { name: 'GET //[::1', bytes: request('//[::1') },
  { name: 'GET http://[bad', bytes: request('http://[bad') },
  { name: 'GET http://%zz/x', bytes: request('http://%zz/x') },
  { name: 'asterisk-form OPTIONS *', bytes: request('*', 'OPTIONS') },
  { name: 'authority-form CONNECT', bytes: request('node:443', 'CONNECT') },
  { name: 'absolute-form to another host', bytes: request('http://evil.example//') },
  { name: '70 KB path', bytes: request(`/${'a'.repeat(70 * 1024)}`) },
  {
    name: '5,000 headers',
    bytes: `GET /healthz HTTP/1.1\r\nHost: node\r\n${Array.from({ length: 5000 }, (_, i) => `x-h${i}: v\r\n`).join('')}\r\n`,
  },
  { name: 'HTTP/2 preface', bytes: 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n' },
  { name: 'TLS ClientHello', bytes: Buffer.from('16030100a5010000a10303', 'hex') },
  { name: 'NUL and CR/LF soup', bytes: '\0\r\n\r\n\0GET\r\n /\r\n\r\n' },
  { name: 'bad version', bytes: 'GET / HTTP/9.9\r\n\r\n' },
  { name: 'lone LF line ends', bytes: 'GET //% HTTP/1.1\nHost: x\n\n' },
  {
    name: 'chunked garbage',
    bytes: 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
  },
  { name: 'random bytes', bytes: randomBytes(4096) },
];

describe('hostile HTTP on the health and metrics ports (daemon as the chart runs it)', () => {
  it('answers or closes every hostile request without dying, errors with Connection: close', async () => {
    for (const [which, port] of Object.entries(ports)) {
      for (const { name, bytes } of HOSTILE) {
        const { response, closed } = await rawExchange(port, bytes);
        expect(closed, `${which}: ${name} left the connection open`).toBe(true);
        const code = statusOf(response);
        if (code !== undefined && code >= 400) {
          expect(response.toLowerCase(), `${which}: ${name}`).toContain('connection: close');
        }
        expect(stack.daemon.exit, `${which}: ${name} ended the daemon`).toBeUndefined();
      }
    }
  });

  it('routes by the raw path: absolute-form reaches its route, query strings are ignored', async () => {
    const healthz = await rawExchange(ports.healthz, request('http://node:8989/healthz?probe=%'));
    expect(statusOf(healthz.response)).toBe(200);
    const metrics = await rawExchange(ports.metrics, request('/metrics?%'));
    expect(statusOf(metrics.response)).toBe(200);
    expect(statusOf((await rawExchange(ports.healthz, request('//'))).response)).toBe(404);
  });

  it('stays reachable while many connections are held open with unfinished heads', async () => {
    const held: Socket[] = [];
    try {
      for (const port of Object.values(ports)) {
        for (let i = 0; i < 100; i++) held.push(await heldConnection(port, 'GET /healthz HTTP/1.1\r\nHo'));
      }
      expect((await fetch(stack.healthzUrl!)).status).toBe(200);
      expect((await fetch(stack.metricsUrl!)).status).toBe(200);
      // The cap closed all but the newest of the held connections.
      expect(held.filter((s) => !s.closed && !s.destroyed).length).toBeLessThanOrEqual(2 * 32);
    } finally {
      for (const socket of held) socket.destroy();
    }
  });

  it('still answers /healthz 200 and serves a mount afterwards', async () => {
    expect((await fetch(stack.healthzUrl!)).status).toBe(200);
    const outcome = await mount(
      stack,
      podIdentityParameters(vault, [{ objectName: 'db', objectType: 'secret' }]),
      pod,
    );
    expect(outcome.message).toBeUndefined();
    expect(outcome.files.map((f) => [f.path, f.contents.toString()])).toEqual([['db', secret]]);
    expect(stack.daemon.exit).toBeUndefined();
  });
});
