import { FakeNmi } from '@keyvault-csi/fake-nmi';
import { afterEach, describe, expect, it } from 'vitest';
import { NmiClient, type NmiClientOptions, type NmiCredential } from './nmi-client.js';
import { NmiError } from './nmi-error.js';

const VAULT_SCOPE = 'https://vault.azure.net/.default';
const CLIENT = '00000000-1111-2222-3333-444444444444';
const OTHER = 'ffffffff-0000-0000-0000-00000000beef';
const TENANT = '72F988BF-0000-0000-0000-0000000000AB';
const POD = { namespace: 'shop', name: 'web-0', uid: 'uid-1' };

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function fakeNmi(options: Parameters<typeof FakeNmi.start>[0] = {}): Promise<FakeNmi> {
  const nmi = await FakeNmi.start({
    bindings: [{ namespace: POD.namespace, podName: POD.name, clientId: CLIENT }],
    tenantId: TENANT,
    ...options,
  });
  cleanups.push(() => nmi.stop());
  return nmi;
}

function client(endpoint: string, options: NmiClientOptions = {}): NmiClient {
  let offset = 0;
  const nmiClient = new NmiClient({
    endpoint,
    now: () => Date.now() + offset,
    // Backoff sleeps advance virtual time at once: retry schedules of seconds run in milliseconds.
    sleep: async (ms) => {
      offset += ms;
      await new Promise((resolve) => setImmediate(resolve));
    },
    random: () => 0.5,
    ...options,
  });
  cleanups.push(() => nmiClient.close());
  return nmiClient;
}

async function settle(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => 'resolved',
    (error: unknown) => error,
  );
}

/** What a caller sees of a failure, without the elapsed time (two calls never take the same time). */
function comparable(outcome: unknown, endpoint: string): unknown {
  if (!(outcome instanceof NmiError)) return outcome;
  return {
    code: outcome.code,
    status: outcome.status,
    attempts: outcome.attempts,
    networkCode: outcome.networkCode,
    message: outcome.message.replaceAll(endpoint, '<nmi>').replace(/ in \d+\.\ds\b/, ' in <t>'),
  };
}

describe('NmiCredential.resolveIdentity against a real fake NMI', () => {
  it("gives NMI's clientid and the token's tenant, never the token", async () => {
    const nmi = await fakeNmi();
    nmi.bind('shop', 'web-0', OTHER);
    const nmiClient = client(nmi.url);
    const identity = await nmiClient.credentialFor({ pod: POD }).resolveIdentity(VAULT_SCOPE);
    expect(identity).toEqual({
      clientId: CLIENT,
      tenantId: TENANT.toLowerCase(),
      objectId: expect.any(String),
    });
    const chosen = await nmiClient.credentialFor({ pod: POD, clientId: OTHER }).resolveIdentity(VAULT_SCOPE);
    expect(chosen.clientId).toBe(OTHER);
    expect(nmi.requests.map((r) => r.clientId)).toEqual([undefined, OTHER]);
    const token = await nmiClient.credentialFor({ pod: POD }).getToken(VAULT_SCOPE);
    expect(JSON.stringify([identity, chosen])).not.toContain(token.token.split('.')[1]);
  });

  it('tells pods bound to different identities apart', async () => {
    const nmi = await fakeNmi();
    nmi.bind('shop', 'api-0', OTHER);
    const nmiClient = client(nmi.url);
    const web = await nmiClient.credentialFor({ pod: POD }).resolveIdentity(VAULT_SCOPE);
    const api = await nmiClient
      .credentialFor({ pod: { namespace: 'shop', name: 'api-0', uid: 'uid-9' } })
      .resolveIdentity(VAULT_SCOPE);
    expect([web.clientId, api.clientId]).toEqual([CLIENT, OTHER]);
  });

  it('shares the cache with getToken: one NMI call per pod and resource while the token is valid', async () => {
    const nmi = await fakeNmi({ tokenLifetimeSeconds: 3600 });
    let offset = 0;
    const nmiClient = client(nmi.url, { now: () => Date.now() + offset, cacheMarginMs: 300_000 });
    const mount = () => nmiClient.credentialFor({ pod: POD, deadline: Date.now() + offset + 30_000 });
    const first = mount();
    await first.resolveIdentity(VAULT_SCOPE);
    const token = await first.getToken(VAULT_SCOPE);
    expect(nmi.calls).toBe(1);
    // A rotation poll: a new credential for the same pod, resolved and asked for the token again.
    const poll = mount();
    expect((await poll.resolveIdentity(VAULT_SCOPE)).clientId).toBe(CLIENT);
    expect((await poll.getToken(VAULT_SCOPE)).token).toBe(token.token);
    expect(nmi.calls).toBe(1);
    // Another pod uid or another resource is another NMI call.
    await nmiClient.credentialFor({ pod: { ...POD, uid: 'uid-2' } }).resolveIdentity(VAULT_SCOPE);
    await first.resolveIdentity('https://storage.azure.com/.default');
    expect(nmi.calls).toBe(3);
    // Past expiry minus the margin, NMI is asked again.
    offset += 3_300_000 + 1000;
    await mount().resolveIdentity(VAULT_SCOPE);
    expect(nmi.calls).toBe(4);
  });

  it('makes one NMI call for concurrent resolveIdentity and getToken callers of one pod', async () => {
    const nmi = await fakeNmi();
    nmi.injectFaults({ delayMs: 50 });
    const nmiClient = client(nmi.url);
    const credentials = Array.from({ length: 40 }, () => nmiClient.credentialFor({ pod: POD }));
    const [identities, tokens] = await Promise.all([
      Promise.all(credentials.map((c) => c.resolveIdentity(VAULT_SCOPE))),
      Promise.all(credentials.map((c) => c.getToken(VAULT_SCOPE))),
    ]);
    expect(new Set(identities.map((i) => i.clientId))).toEqual(new Set([CLIENT]));
    expect(new Set(tokens.map((t) => t.token)).size).toBe(1);
    expect(nmi.calls).toBe(1);
  });

  it('retries like getToken, and does not cache a failure', async () => {
    const nmi = await fakeNmi();
    nmi.injectFaults({ times: 2, status: 404 });
    const nmiClient = client(nmi.url);
    expect((await nmiClient.credentialFor({ pod: POD }).resolveIdentity(VAULT_SCOPE)).clientId).toBe(CLIENT);
    expect(nmi.calls).toBe(3);

    const other = client(nmi.url);
    nmi.injectFaults({ times: 1, status: 403 });
    await expect(other.credentialFor({ pod: POD }).resolveIdentity(VAULT_SCOPE)).rejects.toMatchObject({
      code: 'NMI_FORBIDDEN',
    });
    expect((await other.credentialFor({ pod: POD }).resolveIdentity(VAULT_SCOPE)).clientId).toBe(CLIENT);
    expect(nmi.calls).toBe(5);
  });

  it('fails exactly as getToken does on every error path', async () => {
    type Case = {
      name: string;
      arrange?: (nmi: FakeNmi) => Promise<void> | void;
      credential?: Partial<Parameters<NmiClient['credentialFor']>[0]>;
      options?: NmiClientOptions;
      /** A credential deadline this long after the call starts. */
      deadlineInMs?: number;
      scopes?: string | string[];
      abort?: boolean;
      close?: boolean;
    };
    const cases: Case[] = [
      { name: '400', arrange: (nmi) => nmi.injectFaults({ status: 400 }) },
      { name: '403', arrange: (nmi) => nmi.injectFaults({ status: 403 }) },
      {
        name: 'not from a host',
        arrange: (nmi) =>
          nmi.injectFaults({ status: 500, body: 'request remote address is not from a host' }),
      },
      {
        name: 'lasting 503',
        arrange: (nmi) => nmi.injectFaults({ status: 503, times: 1000 }),
        options: { retry: { maxAttempts: 4 } },
      },
      {
        name: 'unbound pod',
        credential: { pod: { namespace: 'shop', name: 'nobody', uid: 'u' } },
        options: { retry: { maxAttempts: 3 } },
      },
      {
        name: 'unknown client id',
        credential: { clientId: 'not-bound' },
        options: { retry: { maxAttempts: 2 } },
      },
      {
        name: 'not JSON',
        arrange: (nmi) => nmi.injectFaults({ status: 200, body: 'eyJhbGciOi.eyJ0aWQiOi.sig' }),
      },
      { name: 'refused', arrange: (nmi) => nmi.refuse(), options: { retry: { maxAttempts: 3 } } },
      {
        name: 'deadline in flight',
        arrange: (nmi) => nmi.injectFaults({ delayMs: 20_000 }),
        options: { now: Date.now },
        deadlineInMs: 150,
      },
      { name: 'several scopes', scopes: [VAULT_SCOPE, 'https://graph.microsoft.com/.default'] },
      { name: 'aborted', abort: true },
      { name: 'closed', close: true },
    ];
    for (const testCase of cases) {
      const outcomes: unknown[] = [];
      for (const method of ['getToken', 'resolveIdentity'] as const) {
        const nmi = await fakeNmi();
        await testCase.arrange?.(nmi);
        const nmiClient = client(nmi.url, testCase.options);
        if (testCase.close) await nmiClient.close();
        const credential: NmiCredential = nmiClient.credentialFor({
          pod: POD,
          ...testCase.credential,
          ...(testCase.deadlineInMs === undefined ? {} : { deadline: Date.now() + testCase.deadlineInMs }),
        });
        const options = testCase.abort ? { abortSignal: AbortSignal.abort() } : {};
        const outcome = await settle(credential[method](testCase.scopes ?? VAULT_SCOPE, options));
        outcomes.push(comparable(outcome, nmi.url));
      }
      // comparable() gives an object for an NmiError only.
      expect(outcomes[0], testCase.name).toBeInstanceOf(Object);
      expect(outcomes[1], testCase.name).toEqual(outcomes[0]);
    }
  });
});
