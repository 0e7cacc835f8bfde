import { DEFAULT_TEST_SIGNING_KEY, verifyTestToken } from '@keyvault-csi/test-tokens';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeNmi } from './fake-nmi.js';

const VAULT = 'https://vault.azure.net';
const CLIENT = '00000000-1111-2222-3333-444444444444';

let nmi: FakeNmi | undefined;
afterEach(async () => {
  await nmi?.stop();
  nmi = undefined;
});

async function start(options: Parameters<typeof FakeNmi.start>[0] = {}): Promise<FakeNmi> {
  nmi = await FakeNmi.start(options);
  return nmi;
}

function tokenRequest(
  server: FakeNmi,
  { ns = 'shop', pod = 'web-0', resource = VAULT, clientId, path = '/host/token/' } = {} as {
    ns?: string;
    pod?: string;
    resource?: string;
    clientId?: string;
    path?: string;
  },
): Promise<Response> {
  const query = `resource=${encodeURIComponent(resource)}${clientId ? `&client_id=${clientId}` : ''}`;
  const headers: Record<string, string> = {};
  if (ns) headers['podns'] = ns;
  if (pod) headers['podname'] = pod;
  return fetch(`${server.url}${path}?${query}`, { headers });
}

describe('FakeNmi /host/token/', () => {
  it('issues a token for a bound pod with NMI string time fields and the identity client id', async () => {
    const server = await start({ bindings: [{ namespace: 'shop', podName: 'web-0', clientId: CLIENT }] });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await tokenRequest(server);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    const text = await res.text();
    expect(text.endsWith('}')).toBe(true);
    const body = JSON.parse(text);
    expect(body.clientid).toBe(CLIENT);
    expect(body.token).toMatchObject({
      refresh_token: '',
      expires_in: '86399',
      resource: VAULT,
      token_type: 'Bearer',
    });
    expect(typeof body.token.expires_on).toBe('string');
    const expiresOn = Number(body.token.expires_on);
    expect(Math.abs(expiresOn - (Math.floor(Date.now() / 1000) + 86_399))).toBeLessThanOrEqual(2);
    const check = verifyTestToken(body.token.access_token, { signingKey: DEFAULT_TEST_SIGNING_KEY });
    expect(check.ok && check.claims.aud).toBe(VAULT);
    expect(check.ok && check.claims.appid).toBe(CLIENT);
    expect(server.counters).toEqual({ calls: 1, tokensIssued: 1, errors: 0, drops: 0 });
  });

  it('answers numbers instead of strings when asked, with the configured lifetime and signing key', async () => {
    const server = await start({ numericTimeFields: true, tokenLifetimeSeconds: 600, signingKey: 'k9' });
    server.bind('shop', 'web-0', CLIENT);
    const body = await readJson(await tokenRequest(server));
    expect(body.token.expires_in).toBe(600);
    expect(typeof body.token.expires_on).toBe('number');
    expect(verifyTestToken(body.token.access_token, { signingKey: 'k9' }).ok).toBe(true);
    expect(verifyTestToken(body.token.access_token).ok).toBe(false);
  });

  it('validates in NMI order with NMI text bodies: headers, then resource', async () => {
    const server = await start();
    const both = await tokenRequest(server, { ns: '', resource: '' });
    expect(both.status).toBe(400);
    expect(both.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(both.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await both.text()).toBe("missing 'podname' and 'podns' from request header\n");
    const noResource = await tokenRequest(server, { resource: '' });
    expect(noResource.status).toBe(400);
    expect(await noResource.text()).toBe('parameter resource cannot be empty\n');
  });

  it('matches the /host/token prefix and nothing else', async () => {
    const server = await start({ bindings: [{ namespace: 'shop', podName: 'web-0', clientId: CLIENT }] });
    expect((await tokenRequest(server, { path: '/host/token' })).status).toBe(200);
    expect((await tokenRequest(server, { path: '/host/token/x' })).status).toBe(200);
    const other = await tokenRequest(server, { path: '/metadata/other' });
    expect(other.status).toBe(404);
    expect(await other.text()).toBe('404 page not found\n');
    expect(server.calls).toBe(2);
  });

  it('answers 404 with the assignment text for an unbound pod and the redacted id for an unknown client_id', async () => {
    const server = await start();
    const unbound = await tokenRequest(server, { ns: 'default', pod: 'app' });
    expect(unbound.status).toBe(404);
    expect(await unbound.text()).toBe(
      'getting assigned identities for pod default/app in CREATED state failed after 16 attempts, retry duration [5]s, ' +
        'error: <nil>. Check MIC pod logs for identity assignment errors\n',
    );
    server.bind('default', 'app', CLIENT);
    const unknown = await tokenRequest(server, {
      ns: 'default',
      pod: 'app',
      clientId: 'abcdef12-0000-0000-0000-00000000wxyz',
    });
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toBe(
      'no azure identity found for request clientID abcd##### REDACTED #####wxyz\n',
    );
  });

  it('picks among several identities by client_id, defaults to the first, and forgets unbound ones', async () => {
    const server = await start();
    server.bind('shop', 'web-0', 'id-one-0000');
    server.bind('shop', 'web-0', 'id-two-0000');
    expect((await readJson(await tokenRequest(server))).clientid).toBe('id-one-0000');
    expect((await readJson(await tokenRequest(server, { clientId: 'id-two-0000' }))).clientid).toBe(
      'id-two-0000',
    );
    server.unbind('shop', 'web-0', 'id-one-0000');
    expect((await readJson(await tokenRequest(server))).clientid).toBe('id-two-0000');
    server.unbind('shop', 'web-0');
    expect((await tokenRequest(server)).status).toBe(404);
    expect(server.requests.map((r) => r.issuedFor)).toEqual([
      'id-one-0000',
      'id-two-0000',
      'id-two-0000',
      undefined,
    ]);
  });

  it('holds an unbound pod for assignmentWaitMs and answers with a token as soon as the pod is bound', async () => {
    const server = await start({ assignmentWaitMs: 10_000 });
    const pending = tokenRequest(server);
    await new Promise((resolve) => setTimeout(resolve, 50));
    server.bind('shop', 'web-0', CLIENT);
    const res = await pending;
    expect(res.status).toBe(200);
    expect((await readJson(res)).clientid).toBe(CLIENT);
  });

  it('answers 404 after assignmentWaitMs when no identity shows up', async () => {
    const server = await start({ assignmentWaitMs: 150 });
    const started = Date.now();
    const res = await tokenRequest(server);
    expect(res.status).toBe(404);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });
});

describe('FakeNmi fault injection', () => {
  it('fails the first K calls with NMI-like bodies, then answers normally', async () => {
    const server = await start({ bindings: [{ namespace: 'shop', podName: 'web-0', clientId: CLIENT }] });
    server.injectFaults({ times: 2, status: 404 });
    server.injectFaults({ status: 503, body: 'custom outage' });
    const first = await tokenRequest(server);
    expect(first.status).toBe(404);
    expect(await first.text()).toContain('getting assigned identities for pod shop/web-0 in CREATED state');
    expect((await tokenRequest(server)).status).toBe(404);
    const third = await tokenRequest(server);
    expect(third.status).toBe(503);
    expect(await third.text()).toBe('custom outage\n');
    expect((await tokenRequest(server)).status).toBe(200);
    expect(server.requests.map((r) => [r.outcome, r.injected])).toEqual([
      [404, true],
      [404, true],
      [503, true],
      [200, false],
    ]);
    expect(server.counters).toEqual({ calls: 4, tokensIssued: 1, errors: 3, drops: 0 });
  });

  it('injects 500 and 403 with NMI texts and a raw 200 body', async () => {
    const server = await start();
    server.injectFaults({ status: 500 });
    server.injectFaults({ status: 403 });
    server.injectFaults({ status: 200, body: '{"token":' });
    expect(await (await tokenRequest(server)).text()).toBe(
      'runtime error: index out of range [0] with length 0\n',
    );
    expect(await (await tokenRequest(server)).text()).toMatch(
      /^adal: Refresh request failed\. Status Code = '400'/,
    );
    const raw = await tokenRequest(server);
    expect([raw.status, await raw.text()]).toEqual([200, '{"token":']);
  });

  it('delays an answer and drops a connection', async () => {
    const server = await start({ bindings: [{ namespace: 'shop', podName: 'web-0', clientId: CLIENT }] });
    server.injectFaults({ delayMs: 120 });
    server.injectFaults({ drop: true });
    const started = Date.now();
    expect((await tokenRequest(server)).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(110);
    await expect(tokenRequest(server)).rejects.toThrow();
    expect(server.counters.drops).toBe(1);
    expect((await tokenRequest(server)).status).toBe(200);
  });

  it('records a caller that hangs up during a delay', async () => {
    const server = await start();
    server.injectFaults({ delayMs: 5_000 });
    const controller = new AbortController();
    const pending = fetch(`${server.url}/host/token/?resource=x`, {
      headers: { podns: 'a', podname: 'b' },
      signal: controller.signal,
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    controller.abort();
    await expect(pending).rejects.toThrow();
    await expect.poll(() => server.requests.map((r) => r.outcome)).toEqual(['client-gone']);
  });

  it('refuses connections while "restarting" and accepts again on the same port', async () => {
    const server = await start({ bindings: [{ namespace: 'shop', podName: 'web-0', clientId: CLIENT }] });
    const port = server.port;
    await server.refuse();
    await expect(tokenRequest(server)).rejects.toThrow();
    await server.accept();
    expect(server.port).toBe(port);
    expect((await tokenRequest(server)).status).toBe(200);
  });

  it('stop() closes kept-alive connections and pending requests', async () => {
    const server = await start();
    server.injectFaults({ delayMs: 60_000 });
    const pending = tokenRequest(server);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await server.stop();
    await expect(pending).rejects.toThrow();
    await expect(fetch(`${server.url}/host/token/`)).rejects.toThrow();
  });
});

interface NmiJson {
  readonly clientid: string;
  readonly token: { readonly access_token: string; readonly [field: string]: string | number };
}

async function readJson(res: Response): Promise<NmiJson> {
  return (await res.json()) as NmiJson;
}
