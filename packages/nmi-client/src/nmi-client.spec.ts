import { FakeNmi } from '@keyvault-csi/fake-nmi';
import { afterEach, describe, expect, it } from 'vitest';
import { NmiClient, type NmiClientOptions } from './nmi-client.js';
import { NmiError } from './nmi-error.js';
import type { NmiEvent } from './nmi-event.js';

const VAULT_SCOPE = 'https://vault.azure.net/.default';
const VAULT = 'https://vault.azure.net';
const CLIENT = '00000000-1111-2222-3333-444444444444';
const POD = { namespace: 'shop', name: 'web-0', uid: 'uid-1' };

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function fakeNmi(options: Parameters<typeof FakeNmi.start>[0] = {}): Promise<FakeNmi> {
  const nmi = await FakeNmi.start({
    bindings: [{ namespace: POD.namespace, podName: POD.name, clientId: CLIENT }],
    ...options,
  });
  cleanups.push(() => nmi.stop());
  return nmi;
}

/**
 * A clock whose backoff sleeps advance virtual time instantly, so retry schedules of seconds
 * run in milliseconds while the budget arithmetic stays real.
 */
function virtualClock() {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    advance: (ms: number) => {
      offset += ms;
    },
    sleep: async (ms: number) => {
      offset += ms;
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}

function client(nmi: FakeNmi | string, options: NmiClientOptions = {}) {
  const clock = virtualClock();
  const events: NmiEvent[] = [];
  const nmiClient = new NmiClient({
    endpoint: typeof nmi === 'string' ? nmi : nmi.url,
    now: clock.now,
    sleep: clock.sleep,
    random: () => 0.5,
    onEvent: (event) => events.push(event),
    ...options,
  });
  cleanups.push(() => nmiClient.close());
  return { nmiClient, clock, events };
}

function claimsOf(token: string): { aud: string; appid: string; exp: number } {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
}

async function failure(promise: Promise<unknown>): Promise<NmiError> {
  const error = await promise.then(
    () => {
      throw new Error('expected getToken to fail');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(NmiError);
  return error as NmiError;
}

describe('NmiClient getToken against a real fake NMI', () => {
  it('returns the token with expiresOnTimestamp in milliseconds from NMI string time fields', async () => {
    const nmi = await fakeNmi();
    const { nmiClient } = client(nmi, { maxTokenAgeMs: 86_400_000 });
    const token = await nmiClient.credentialFor({ pod: POD }).getToken(VAULT_SCOPE);
    const claims = claimsOf(token.token);
    expect(claims.aud).toBe(VAULT);
    expect(claims.appid).toBe(CLIENT);
    expect(token.expiresOnTimestamp).toBe(claims.exp * 1000);
    expect(token.refreshAfterTimestamp).toBe(claims.exp * 1000 - 5 * 60_000);
    expect(nmi.requests).toMatchObject([
      { path: '/host/token/', podNamespace: 'shop', podName: 'web-0', resource: VAULT, clientId: undefined },
    ]);
  });

  it('accepts numeric time fields', async () => {
    const nmi = await fakeNmi({ numericTimeFields: true, tokenLifetimeSeconds: 3599 });
    const { nmiClient } = client(nmi);
    const token = await nmiClient.credentialFor({ pod: POD }).getToken([VAULT_SCOPE]);
    expect(token.expiresOnTimestamp).toBe(claimsOf(token.token).exp * 1000);
    expect(token.expiresOnTimestamp - Date.now()).toBeGreaterThan(3500_000);
  });

  it('strips /.default and trailing slashes from the scope; rejects several scopes', async () => {
    const nmi = await fakeNmi();
    const { nmiClient } = client(nmi);
    const credential = nmiClient.credentialFor({ pod: POD });
    await credential.getToken('https://vault.azure.net/');
    await credential.getToken('https://managedhsm.azure.net//.default');
    expect(nmi.requests.map((r) => r.resource)).toEqual([VAULT, 'https://managedhsm.azure.net']);
    const error = await failure(credential.getToken([VAULT_SCOPE, 'https://graph.microsoft.com/.default']));
    expect(error.code).toBe('NMI_INVALID_SCOPE');
  });

  it('sends client_id to pick one of several identities', async () => {
    const nmi = await fakeNmi();
    nmi.bind('shop', 'web-0', 'ffffffff-0000-0000-0000-00000000beef');
    const { nmiClient } = client(nmi);
    const token = await nmiClient
      .credentialFor({ pod: POD, clientId: 'ffffffff-0000-0000-0000-00000000beef' })
      .getToken(VAULT_SCOPE);
    expect(claimsOf(token.token).appid).toBe('ffffffff-0000-0000-0000-00000000beef');
    expect(nmi.requests[0]?.clientId).toBe('ffffffff-0000-0000-0000-00000000beef');
  });
});

describe('NmiClient errors', () => {
  it('fails at once on 400 with the reference text, pod, resource, endpoint and attempts', async () => {
    const nmi = await fakeNmi();
    nmi.injectFaults({ status: 400 });
    const { nmiClient } = client(nmi);
    const error = await failure(nmiClient.credentialFor({ pod: POD }).getToken(VAULT_SCOPE));
    expect(error.code).toBe('NMI_BAD_REQUEST');
    expect(error.status).toBe(400);
    expect(error.attempts).toBe(1);
    const text =
      "nmi response failed with status code: 400, response body: missing 'podname' and 'podns' from request header " +
      `(pod shop/web-0, resource https://vault.azure.net, NMI ${nmi.url}, 1 attempt in `;
    expect(error.message.startsWith(text)).toBe(true);
    expect(error.message.slice(text.length)).toMatch(/^\d+\.\ds\)$/);
    expect(nmi.calls).toBe(1);
  });

  it('fails at once on 403 with the upstream reason', async () => {
    const nmi = await fakeNmi();
    nmi.injectFaults({ status: 403 });
    const { nmiClient } = client(nmi);
    const error = await failure(nmiClient.credentialFor({ pod: POD }).getToken(VAULT_SCOPE));
    expect(error.code).toBe('NMI_FORBIDDEN');
    expect(error.message).toMatch(
      /^nmi response failed with status code: 403, response body: adal: Refresh request failed\. Status Code = '400'\./,
    );
    expect(nmi.calls).toBe(1);
  });

  it('does not retry the 500 NMI gives a caller that is not on the host', async () => {
    const nmi = await fakeNmi();
    nmi.injectFaults({ status: 500, body: 'request remote address is not from a host' });
    const { nmiClient } = client(nmi);
    const error = await failure(nmiClient.credentialFor({ pod: POD }).getToken(VAULT_SCOPE));
    expect([error.code, error.status, nmi.calls]).toEqual(['NMI_SERVER_ERROR', 500, 1]);
  });

  it('retries 404 while the identity is being assigned, then returns the token', async () => {
    const nmi = await fakeNmi();
    nmi.injectFaults({ times: 2, status: 404 });
    const { nmiClient, events } = client(nmi);
    const token = await nmiClient.credentialFor({ pod: POD }).getToken(VAULT_SCOPE);
    expect(claimsOf(token.token).appid).toBe(CLIENT);
    expect(nmi.calls).toBe(3);
    expect(events.filter((e) => e.type === 'retry')).toEqual([
      { type: 'retry', attempt: 1, delayMs: 500 },
      { type: 'retry', attempt: 2, delayMs: 1000 },
    ]);
    expect(events.filter((e) => e.type === 'request').map((e) => e.type === 'request' && e.status)).toEqual([
      404, 404, 200,
    ]);
  });

  it('retries 500, 502, 503 and 504 and a dropped connection', async () => {
    const nmi = await fakeNmi();
    for (const status of [500, 502, 503, 504]) nmi.injectFaults({ status });
    nmi.injectFaults({ drop: true });
    const { nmiClient } = client(nmi);
    await nmiClient.credentialFor({ pod: POD }).getToken(VAULT_SCOPE);
    expect(nmi.requests.map((r) => r.outcome)).toEqual([500, 502, 503, 504, 'dropped', 200]);
  });

  it('gives the last NMI answer when the retry budget runs out, naming pod, status, body and attempts', async () => {
    const nmi = await fakeNmi();
    nmi.injectFaults({ times: 100, status: 404 });
    const { nmiClient, clock } = client(nmi);
    const credential = nmiClient.credentialFor({
      pod: { namespace: 'default', name: 'app', uid: 'u' },
      deadline: clock.now() + 3000,
    });
    const error = await failure(credential.getToken(VAULT_SCOPE));
    // 0.5 s, 1 s, then 2 s more would pass the 3 s deadline: three attempts.
    expect(error.code).toBe('NMI_NOT_FOUND');
    expect(error.attempts).toBe(3);
    expect(nmi.calls).toBe(3);
    expect(error.message).toMatch(
      new RegExp(
        '^nmi response failed with status code: 404, response body: getting assigned identities for pod default/app ' +
          'in CREATED state failed after 16 attempts, retry duration \\[5\\]s, error: <nil>\\. Check MIC pod logs for ' +
          'identity assignment errors \\(pod default/app, resource https://vault\\.azure\\.net, NMI http://127\\.0\\.0\\.1:\\d+, ' +
          '3 attempts in 1\\.\\ds; retry budget exhausted\\)$',
      ),
    );
  });

  it('reports a 200 that is not JSON or lacks the token, without quoting the body', async () => {
    const nmi = await fakeNmi();
    nmi.injectFaults({
      status: 200,
      body: '{"token":{"access_token":"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.sig',
    });
    nmi.injectFaults({ status: 200, body: '{"token":{"access_token":""},"clientid":"x"}' });
    nmi.injectFaults({ status: 200, body: '{"token":{"access_token":"abc"},"clientid":""}' });
    const { nmiClient } = client(nmi);
    const credential = nmiClient.credentialFor({ pod: POD });
    const notJson = await failure(credential.getToken(VAULT_SCOPE));
    expect(notJson.code).toBe('NMI_BAD_RESPONSE');
    expect(notJson.message).toMatch(
      /^nmi returned a response that is not valid JSON \(\d+ bytes\) \(pod shop\/web-0/,
    );
    expect(notJson.message).not.toContain('eyJ');
    for (let i = 0; i < 2; i++) {
      const missing = await failure(credential.getToken(VAULT_SCOPE));
      expect(missing.code).toBe('NMI_BAD_RESPONSE');
      expect(missing.message).toMatch(
        /^nmi did not return expected values in response: token and clientid \(pod shop\/web-0/,
      );
    }
    expect(nmi.calls).toBe(3);
  });

  it('names the endpoint and the network error when nothing listens', async () => {
    const nmi = await fakeNmi();
    const url = nmi.url;
    await nmi.stop();
    const { nmiClient, clock } = client(url);
    const error = await failure(
      nmiClient.credentialFor({ pod: POD, deadline: clock.now() + 3000 }).getToken(VAULT_SCOPE),
    );
    expect(error.code).toBe('NMI_UNREACHABLE');
    expect(error.networkCode).toBe('ECONNREFUSED');
    expect(error.attempts).toBe(3);
    expect(error.message).toMatch(
      new RegExp(
        `^NMI not reachable at ${url.replace(/\./g, '\\.')}: ECONNREFUSED \\(is aad-pod-identity NMI running on this node\\?\\) ` +
          '\\(pod shop/web-0, resource https://vault\\.azure\\.net, 3 attempts in 1\\.\\ds; retry budget exhausted\\)$',
      ),
    );
  });

  it('rides out an NMI restart (connection refused) and gets the token once it listens again', async () => {
    const nmi = await fakeNmi();
    await nmi.refuse();
    const clock = virtualClock();
    let sleeps = 0;
    const nmiClient = new NmiClient({
      endpoint: nmi.url,
      now: clock.now,
      random: () => 0.5,
      sleep: async (ms) => {
        clock.advance(ms);
        if (++sleeps === 2) await nmi.accept();
      },
    });
    cleanups.push(() => nmiClient.close());
    const token = await nmiClient.credentialFor({ pod: POD }).getToken(VAULT_SCOPE);
    expect(claimsOf(token.token).aud).toBe(VAULT);
    expect(nmi.calls).toBe(1);
  });

  it('honours the abort signal at once and hangs up on NMI', async () => {
    const nmi = await fakeNmi();
    nmi.injectFaults({ delayMs: 20_000 });
    const { nmiClient } = client(nmi);
    const controller = new AbortController();
    const pending = nmiClient
      .credentialFor({ pod: POD })
      .getToken(VAULT_SCOPE, { abortSignal: controller.signal });
    await expect.poll(() => nmi.calls).toBe(1);
    controller.abort();
    const error = await failure(pending);
    expect(error.code).toBe('NMI_ABORTED');
    expect(error.message).toMatch(
      /^getting a token from NMI was aborted \(pod shop\/web-0, resource https:\/\/vault\.azure\.net/,
    );
    await expect.poll(() => nmi.requests.map((r) => r.outcome)).toEqual(['client-gone']);
    const already = await failure(
      nmiClient.credentialFor({ pod: POD }).getToken(VAULT_SCOPE, { abortSignal: AbortSignal.abort() }),
    );
    expect(already.code).toBe('NMI_ABORTED');
  });

  it('gives NMI_TIMEOUT naming the NMI step when the deadline passes with the request in flight', async () => {
    const nmi = await fakeNmi();
    nmi.injectFaults({ delayMs: 20_000 });
    const { nmiClient, events } = client(nmi, { now: Date.now });
    const error = await failure(
      nmiClient.credentialFor({ pod: POD, deadline: Date.now() + 200 }).getToken(VAULT_SCOPE),
    );
    expect(error.code).toBe('NMI_TIMEOUT');
    expect(error.message).toMatch(
      new RegExp(
        `^deadline exceeded waiting for a token from NMI at ${nmi.url.replace(/\./g, '\\.')}: the request was still in flight ` +
          '\\(pod shop/web-0, resource https://vault\\.azure\\.net, 1 attempt in \\d+\\.\\ds\\)$',
      ),
    );
    await expect.poll(() => events.some((e) => e.type === 'request' && e.status === 'timeout')).toBe(true);
  });

  it('keeps the last NMI answer when the deadline cuts a retry short', async () => {
    const nmi = await fakeNmi();
    nmi.injectFaults({ status: 404 });
    nmi.injectFaults({ delayMs: 20_000 });
    const { nmiClient } = client(nmi, { now: Date.now, retry: { initialDelayMs: 10 } });
    const error = await failure(
      nmiClient.credentialFor({ pod: POD, deadline: Date.now() + 300 }).getToken(VAULT_SCOPE),
    );
    expect(error.code).toBe('NMI_NOT_FOUND');
    expect(error.message).toContain('deadline reached while attempt 2 was in flight');
  });

  it('takes the SDK requestOptions.timeout as a shorter deadline', async () => {
    const nmi = await fakeNmi();
    nmi.injectFaults({ delayMs: 20_000 });
    const { nmiClient } = client(nmi, { now: Date.now });
    const error = await failure(
      nmiClient.credentialFor({ pod: POD }).getToken(VAULT_SCOPE, { requestOptions: { timeout: 100 } }),
    );
    expect([error.code, error.attempts]).toEqual(['NMI_TIMEOUT', 1]);
  });

  it('fails at once when the deadline has already passed and nothing is cached', async () => {
    const nmi = await fakeNmi();
    const { nmiClient, clock } = client(nmi);
    const error = await failure(
      nmiClient.credentialFor({ pod: POD, deadline: clock.now() - 1 }).getToken(VAULT_SCOPE),
    );
    expect([error.code, error.attempts, nmi.calls]).toEqual(['NMI_TIMEOUT', 0, 0]);
  });

  it('never puts a token in an error message, its fields or an event', async () => {
    const nmi = await fakeNmi();
    const leaked = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzZWNyZXQifQ.c2lnbmF0dXJlLXNlY3JldA';
    nmi.injectFaults({ status: 500, body: `upstream said ${leaked}` });
    nmi.injectFaults({ status: 403, body: `token ${leaked} refused` });
    const { nmiClient, events } = client(nmi);
    const credential = nmiClient.credentialFor({ pod: POD });
    const error = await failure(credential.getToken(VAULT_SCOPE));
    const issued = (await credential.getToken('https://storage.azure.com/.default')).token;
    for (const text of [
      error.message,
      JSON.stringify({ ...error }),
      JSON.stringify(events),
      String(error.stack),
    ]) {
      expect(text).not.toContain(leaked);
      expect(text).not.toContain(issued);
    }
    expect(error.body).toBe('token eyJh##### REDACTED #####JldA refused');
  });
});

describe('NmiClient cache and single-flight', () => {
  it('serves the cached token until expiry minus the margin, then asks NMI again', async () => {
    const nmi = await fakeNmi({ tokenLifetimeSeconds: 3600 });
    const { nmiClient, clock, events } = client(nmi, { cacheMarginMs: 300_000, maxTokenAgeMs: 86_400_000 });
    const credential = nmiClient.credentialFor({ pod: POD });
    const first = await credential.getToken(VAULT_SCOPE);
    clock.advance(3_000_000);
    expect((await credential.getToken(VAULT_SCOPE)).token).toBe(first.token);
    expect((await nmiClient.credentialFor({ pod: POD }).getToken(VAULT_SCOPE)).token).toBe(first.token);
    expect(nmi.calls).toBe(1);
    clock.advance(300_000 + 1000);
    const third = await credential.getToken(VAULT_SCOPE);
    expect(nmi.calls).toBe(2);
    expect(third.token).not.toBe(first.token);
    expect(events.filter((e) => e.type === 'cache').map((e) => e.type === 'cache' && e.result)).toEqual([
      'miss',
      'hit',
      'hit',
      'miss',
    ]);
  });

  it('never shares a token across pod uid, client id or resource', async () => {
    const nmi = await fakeNmi();
    nmi.bind('shop', 'web-0', 'ffffffff-0000-0000-0000-00000000beef');
    const { nmiClient } = client(nmi);
    await nmiClient.credentialFor({ pod: POD }).getToken(VAULT_SCOPE);
    await nmiClient.credentialFor({ pod: { ...POD, uid: 'uid-2' } }).getToken(VAULT_SCOPE);
    await nmiClient
      .credentialFor({ pod: POD, clientId: 'ffffffff-0000-0000-0000-00000000beef' })
      .getToken(VAULT_SCOPE);
    await nmiClient.credentialFor({ pod: POD }).getToken('https://storage.azure.com/.default');
    await nmiClient.credentialFor({ pod: { ...POD, uid: 'uid-2' } }).getToken(VAULT_SCOPE);
    expect(nmi.calls).toBe(4);
  });

  it('never caches a token for a pod without a uid (a re-created pod must not get it)', async () => {
    const nmi = await fakeNmi();
    nmi.bind('shop', 'web-0', 'ffffffff-0000-0000-0000-00000000beef');
    const { nmiClient } = client(nmi);
    const noUid = { ...POD, uid: '' };
    await nmiClient.credentialFor({ pod: noUid }).getToken(VAULT_SCOPE);
    await nmiClient.credentialFor({ pod: noUid }).getToken(VAULT_SCOPE);
    expect(nmi.calls).toBe(2);
    // Concurrent calls still share one request.
    await Promise.all([1, 2, 3].map(() => nmiClient.credentialFor({ pod: noUid }).getToken(VAULT_SCOPE)));
    expect(nmi.calls).toBe(3);
  });

  it('refuses a pod name or namespace that would break the NMI request headers, before any request', async () => {
    const nmi = await fakeNmi();
    const { nmiClient } = client(nmi);
    for (const pod of [
      { ...POD, name: 'web-0\r\npodns: kube-system' },
      { ...POD, namespace: 'shop\n' },
      { ...POD, name: 'web 0' },
      { ...POD, name: 'wéb' },
    ]) {
      expect(() => nmiClient.credentialFor({ pod })).toThrow(
        expect.objectContaining({ code: 'NMI_INVALID_OPTIONS' }),
      );
    }
    expect(nmi.calls).toBe(0);
  });

  it('does not cache errors', async () => {
    const nmi = await fakeNmi();
    nmi.injectFaults({ status: 403 });
    const { nmiClient } = client(nmi);
    const credential = nmiClient.credentialFor({ pod: POD });
    await failure(credential.getToken(VAULT_SCOPE));
    await credential.getToken(VAULT_SCOPE);
    expect(nmi.calls).toBe(2);
  });

  it('makes exactly one NMI call for 100 concurrent callers', async () => {
    const nmi = await fakeNmi();
    nmi.injectFaults({ delayMs: 50 });
    const { nmiClient, events } = client(nmi);
    const tokens = await Promise.all(
      Array.from({ length: 100 }, () => nmiClient.credentialFor({ pod: POD }).getToken(VAULT_SCOPE)),
    );
    expect(new Set(tokens.map((t) => t.token)).size).toBe(1);
    expect(nmi.calls).toBe(1);
    const cache = events.filter((e) => e.type === 'cache').map((e) => e.type === 'cache' && e.result);
    expect(cache.filter((r) => r === 'miss')).toHaveLength(1);
    expect(cache.filter((r) => r === 'shared')).toHaveLength(99);
  });

  it('lets one waiter abort without failing the others', async () => {
    const nmi = await fakeNmi();
    nmi.injectFaults({ delayMs: 300 });
    const { nmiClient } = client(nmi);
    const controller = new AbortController();
    const aborting = nmiClient
      .credentialFor({ pod: POD })
      .getToken(VAULT_SCOPE, { abortSignal: controller.signal });
    const others = [1, 2].map(() => nmiClient.credentialFor({ pod: POD }).getToken(VAULT_SCOPE));
    await expect.poll(() => nmi.calls).toBe(1);
    controller.abort();
    expect((await failure(aborting)).code).toBe('NMI_ABORTED');
    const tokens = await Promise.all(others);
    expect(tokens.map((t) => claimsOf(t.token).appid)).toEqual([CLIENT, CLIENT]);
    expect(nmi.requests.map((r) => r.outcome)).toEqual([200]);
  });

  it('runs a shared call until the latest waiter deadline; an earlier one times out alone', async () => {
    const nmi = await fakeNmi();
    nmi.injectFaults({ delayMs: 400 });
    const { nmiClient } = client(nmi, { now: Date.now });
    const hurried = nmiClient.credentialFor({ pod: POD, deadline: Date.now() + 100 }).getToken(VAULT_SCOPE);
    const patient = nmiClient
      .credentialFor({ pod: POD, deadline: Date.now() + 10_000 })
      .getToken(VAULT_SCOPE);
    expect((await failure(hurried)).code).toBe('NMI_TIMEOUT');
    expect(claimsOf((await patient).token).appid).toBe(CLIENT);
    expect(nmi.requests.map((r) => r.outcome)).toEqual([200]);
  });

  it('abandons the NMI call when every waiter has left, and the next caller starts afresh', async () => {
    const nmi = await fakeNmi();
    nmi.injectFaults({ delayMs: 20_000 });
    const { nmiClient } = client(nmi);
    const controllers = [new AbortController(), new AbortController()];
    const pending = controllers.map((c) =>
      nmiClient.credentialFor({ pod: POD }).getToken(VAULT_SCOPE, { abortSignal: c.signal }),
    );
    await expect.poll(() => nmi.calls).toBe(1);
    for (const c of controllers) c.abort();
    for (const p of pending) expect((await failure(p)).code).toBe('NMI_ABORTED');
    await expect.poll(() => nmi.requests.map((r) => r.outcome)).toEqual(['client-gone']);
    await nmiClient.credentialFor({ pod: POD }).getToken(VAULT_SCOPE);
    expect(nmi.requests.map((r) => r.outcome)).toEqual(['client-gone', 200]);
  });

  it('close() fails in-flight and later calls with NMI_CLIENT_CLOSED', async () => {
    const nmi = await fakeNmi();
    nmi.injectFaults({ delayMs: 20_000 });
    const { nmiClient } = client(nmi);
    const pending = failure(nmiClient.credentialFor({ pod: POD }).getToken(VAULT_SCOPE));
    await expect.poll(() => nmi.calls).toBe(1);
    await nmiClient.close();
    expect((await pending).code).toBe('NMI_CLIENT_CLOSED');
    expect((await failure(nmiClient.credentialFor({ pod: POD }).getToken(VAULT_SCOPE))).code).toBe(
      'NMI_CLIENT_CLOSED',
    );
  });

  it('keeps working when the event hook throws', async () => {
    const nmi = await fakeNmi();
    const { nmiClient } = client(nmi, {
      onEvent: () => {
        throw new Error('metrics down');
      },
    });
    await expect(nmiClient.credentialFor({ pod: POD }).getToken(VAULT_SCOPE)).resolves.toHaveProperty(
      'token',
    );
  });
});

describe('NmiClient options', () => {
  it('rejects a bad endpoint, bad numbers and a credential without pod name', () => {
    expect(() => new NmiClient({ endpoint: 'not a url' })).toThrow(/invalid NMI endpoint "not a url"/);
    expect(() => new NmiClient({ endpoint: 'unix:/run/nmi.sock' })).toThrow(/expected http:\/\/host:port/);
    expect(() => new NmiClient({ maxCacheEntries: 0 })).toThrow(/maxCacheEntries: 0/);
    expect(() => new NmiClient({ retry: { jitter: 2 } })).toThrow(/retry\.jitter: 2/);
    const nmiClient = new NmiClient();
    cleanups.push(() => nmiClient.close());
    expect(nmiClient.endpoint).toBe('http://127.0.0.1:2579');
    expect(() => nmiClient.credentialFor({ pod: POD, deadline: Number.NaN })).toThrow(
      /invalid NMI credential deadline/,
    );
    expect(() => nmiClient.credentialFor({ pod: { namespace: 'ns', name: '', uid: '' } })).toThrow(
      expect.objectContaining({ code: 'NMI_INVALID_OPTIONS' }),
    );
  });
});
