import { FakeNmi } from '@keyvault-csi/fake-nmi';
import { afterEach, describe, expect, it } from 'vitest';
import { NmiClient, type NmiClientOptions } from './nmi-client.js';
import { NmiError } from './nmi-error.js';
import type { NmiEvent } from './nmi-event.js';

const VAULT_SCOPE = 'https://vault.azure.net/.default';
const CLIENT = '00000000-1111-2222-3333-444444444444';
const OTHER = 'ffffffff-0000-0000-0000-00000000beef';
const TENANT = '72f988bf-0000-0000-0000-0000000000ab';
const POD = { namespace: 'shop', name: 'web-0', uid: 'uid-1' };
const MINUTE = 60_000;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function fakeNmi(): Promise<FakeNmi> {
  const nmi = await FakeNmi.start({
    bindings: [{ namespace: POD.namespace, podName: POD.name, clientId: CLIENT }],
    tenantId: TENANT,
  });
  cleanups.push(() => nmi.stop());
  return nmi;
}

/** An injected clock: tokens age in virtual time, backoff sleeps advance it at once. */
function client(nmi: FakeNmi, options: NmiClientOptions = {}) {
  let offset = 0;
  const events: NmiEvent[] = [];
  const nmiClient = new NmiClient({
    endpoint: nmi.url,
    now: () => Date.now() + offset,
    sleep: async (ms) => {
      offset += ms;
      await new Promise((resolve) => setImmediate(resolve));
    },
    random: () => 0.5,
    retry: { budgetMs: 2_000 },
    onEvent: (event) => events.push(event),
    ...options,
  });
  cleanups.push(() => nmiClient.close());
  return {
    nmiClient,
    events,
    now: () => Date.now() + offset,
    advance: (ms: number) => {
      offset += ms;
    },
  };
}

async function failure(promise: Promise<unknown>): Promise<NmiError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(NmiError);
  return error as NmiError;
}

describe('bounded revocation: a cached token is served at most maxTokenAgeMs after NMI issued it', () => {
  it('asks NMI again after max-age, although the token is valid for a day, and a removed binding is refused', async () => {
    const nmi = await fakeNmi();
    const { nmiClient, advance } = client(nmi, { maxTokenAgeMs: 5 * MINUTE });
    const credential = nmiClient.credentialFor({ pod: POD });
    const first = await credential.getToken(VAULT_SCOPE);
    advance(5 * MINUTE - 1000);
    expect((await credential.getToken(VAULT_SCOPE)).token).toBe(first.token);
    expect(nmi.calls).toBe(1);

    nmi.unbind(POD.namespace, POD.name);
    // Inside max-age the binding's removal is not seen yet: that is the bound's trade-off.
    expect((await credential.resolveIdentity(VAULT_SCOPE)).clientId).toBe(CLIENT);
    advance(2000);
    const refused = await failure(credential.resolveIdentity(VAULT_SCOPE));
    expect(refused.code).toBe('NMI_NOT_FOUND');
    expect(nmi.calls).toBeGreaterThan(1);
  });

  it('tells the SDK to refresh when the cache stops serving the token (refreshAfterTimestamp)', async () => {
    const nmi = await fakeNmi();
    const { nmiClient, now } = client(nmi, { maxTokenAgeMs: 2 * MINUTE });
    const before = now();
    const token = await nmiClient.credentialFor({ pod: POD }).getToken(VAULT_SCOPE);
    expect(token.refreshAfterTimestamp).toBeGreaterThanOrEqual(before + 2 * MINUTE);
    expect(token.refreshAfterTimestamp).toBeLessThanOrEqual(now() + 2 * MINUTE);
    // The token's own expiry is NMI's, unchanged.
    expect(token.expiresOnTimestamp - now()).toBeGreaterThan(23 * 60 * MINUTE);
  });

  it('keeps the expiry margin when it ends sooner than max-age', async () => {
    const nmi = await FakeNmi.start({
      bindings: [{ namespace: POD.namespace, podName: POD.name, clientId: CLIENT }],
      tokenLifetimeSeconds: 600,
    });
    cleanups.push(() => nmi.stop());
    const { nmiClient, advance } = client(nmi, { maxTokenAgeMs: 60 * MINUTE, cacheMarginMs: 5 * MINUTE });
    const credential = nmiClient.credentialFor({ pod: POD });
    await credential.getToken(VAULT_SCOPE);
    advance(5 * MINUTE - 5000);
    await credential.getToken(VAULT_SCOPE);
    expect(nmi.calls).toBe(1);
    advance(10_000);
    await credential.getToken(VAULT_SCOPE);
    expect(nmi.calls).toBe(2);
  });

  it('with maxTokenAgeMs 0 asks NMI on every call, like the reference', async () => {
    const nmi = await fakeNmi();
    const { nmiClient } = client(nmi, { maxTokenAgeMs: 0 });
    const credential = nmiClient.credentialFor({ pod: POD });
    await credential.resolveIdentity(VAULT_SCOPE);
    await credential.getToken(VAULT_SCOPE);
    await credential.getToken(VAULT_SCOPE);
    expect(nmi.calls).toBe(3);
  });

  it('rejects a negative or non-finite maxTokenAgeMs', () => {
    for (const maxTokenAgeMs of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => new NmiClient({ maxTokenAgeMs })).toThrow(/maxTokenAgeMs/);
    }
  });
});

describe('a pod without a uid is never served from the cache', () => {
  it('asks NMI on every call for an empty uid, so a re-created pod of the same name never gets the old token', async () => {
    const nmi = await fakeNmi();
    const { nmiClient, events } = client(nmi);
    const credential = nmiClient.credentialFor({ pod: { ...POD, uid: '' } });
    const first = await credential.getToken(VAULT_SCOPE);
    nmi.unbind(POD.namespace, POD.name);
    const refused = await failure(credential.getToken(VAULT_SCOPE));
    expect(refused.code).toBe('NMI_NOT_FOUND');
    nmi.bind(POD.namespace, POD.name, CLIENT);
    expect((await credential.getToken(VAULT_SCOPE)).token).not.toBe(first.token);
    expect(events.filter((e) => e.type === 'cache' && e.result === 'hit')).toEqual([]);
  });

  it('still makes one NMI call for concurrent callers of an empty-uid pod', async () => {
    const nmi = await fakeNmi();
    const { nmiClient } = client(nmi);
    const credential = nmiClient.credentialFor({ pod: { ...POD, uid: '' } });
    await Promise.all(Array.from({ length: 10 }, () => credential.getToken(VAULT_SCOPE)));
    expect(nmi.calls).toBe(1);
  });
});

describe('NmiCredential.forIdentity: tokens only for the identity the caller is keyed by', () => {
  it('returns tokens of the pinned identity', async () => {
    const nmi = await fakeNmi();
    const { nmiClient } = client(nmi);
    const credential = nmiClient.credentialFor({ pod: POD });
    const identity = await credential.resolveIdentity(VAULT_SCOPE);
    expect(identity).toEqual({ clientId: CLIENT, tenantId: TENANT, objectId: expect.any(String) });
    const token = await credential.forIdentity(identity).getToken(VAULT_SCOPE);
    expect(token?.token).toBe((await credential.getToken(VAULT_SCOPE)).token);
    expect(nmi.calls).toBe(1);
  });

  it('fails with NMI_IDENTITY_MISMATCH when NMI answers with another identity, never quoting the token', async () => {
    const nmi = await fakeNmi();
    const { nmiClient, advance } = client(nmi, { maxTokenAgeMs: MINUTE });
    const credential = nmiClient.credentialFor({ pod: POD });
    const identity = await credential.resolveIdentity(VAULT_SCOPE);
    // The binding changes between resolving the identity and the SDK asking for the token.
    nmi.unbind(POD.namespace, POD.name);
    nmi.bind(POD.namespace, POD.name, OTHER);
    advance(MINUTE + 1);
    const error = await failure(credential.forIdentity(identity).getToken(VAULT_SCOPE));
    expect(error.code).toBe('NMI_IDENTITY_MISMATCH');
    expect(error.message).toContain('pod shop/web-0');
    expect(error.message).toContain('client id ffff##### REDACTED #####beef');
    expect(error.message).toContain('client id 0000##### REDACTED #####4444');
    expect(error.message).toContain('(client id differs)');
    expect(error.message).not.toContain(OTHER);
    expect(error.message).not.toMatch(/eyJ/);
    // The pod's own identity, resolved again, is the new one: the next mount keys by it.
    expect((await credential.resolveIdentity(VAULT_SCOPE)).clientId).toBe(OTHER);
  });

  it('compares the tenant and object id too, when the pinned identity names them', async () => {
    const nmi = await fakeNmi();
    const { nmiClient } = client(nmi);
    const credential = nmiClient.credentialFor({ pod: POD });
    const identity = await credential.resolveIdentity(VAULT_SCOPE);
    const otherTenant = { ...identity, tenantId: 'aaaaaaaa-0000-0000-0000-000000000000' };
    expect((await failure(credential.forIdentity(otherTenant).getToken(VAULT_SCOPE))).message).toContain(
      '(tenant differs)',
    );
    const otherObject = { ...identity, objectId: 'bbbbbbbb-0000-0000-0000-000000000000' };
    expect((await failure(credential.forIdentity(otherObject).getToken(VAULT_SCOPE))).message).toContain(
      '(object id differs)',
    );
    // Client ids compare case-insensitively; parts the pin does not name are not compared.
    const loose = { clientId: CLIENT.toUpperCase(), tenantId: undefined };
    await expect(credential.forIdentity(loose).getToken(VAULT_SCOPE)).resolves.toBeTruthy();
  });
});
