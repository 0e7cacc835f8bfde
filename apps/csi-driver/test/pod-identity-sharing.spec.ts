import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CLIENT_ID,
  demoAttributes,
  type Fakes,
  objects,
  type POD,
  startFakes,
  VAULT,
} from './support/fakes.js';
import { mount, providerClient } from './support/grpc-calls.js';
import { startTestProvider, type TestProvider } from './support/test-provider.js';

const INTRUDER_ID = '0badc0de-0000-4000-8000-000000000001';
const NAMES = Array.from({ length: 10 }, (_, i) => `shared-${i}`);
const VALUES = NAMES.map((name) => `${name}-value-never-logged`);

/**
 * Pod identity keys SDK clients and coalesced requests by the identity NMI resolved for each pod,
 * not by the pod: pods holding one identity share the challenge and the GETs; pods holding
 * different identities never do, and a pod NMI does not answer for never reaches Key Vault.
 */
describe('pod identity: sharing by the identity NMI resolved', () => {
  let fakes: Fakes;
  let running: TestProvider;
  let client: ReturnType<typeof providerClient>;
  let podSeq = 0;

  const attributes = (pod: typeof POD, names = NAMES) =>
    demoAttributes({ objects: objects(...names.map((n) => `objectName: ${n}\nobjectType: secret`)) }, pod);
  const newPod = (name: string, clientId: string) => {
    const pod = {
      namespace: 'team',
      name: `${name}-${++podSeq}`,
      uid: `00000000-0000-4000-8000-${String(podSeq).padStart(12, '0')}`,
    };
    fakes.nmi.bind(pod.namespace, pod.name, clientId);
    return pod;
  };
  const count = (filter: Parameters<Fakes['kv']['countRequests']>[0] = {}) =>
    fakes.kv.countRequests({ vault: VAULT, ...filter });

  beforeAll(async () => {
    fakes = await startFakes();
    const vault = fakes.kv.addVault(VAULT).grant(CLIENT_ID, { secrets: ['get', 'list'] });
    for (const [i, name] of NAMES.entries()) vault.setSecret(name, VALUES[i]!);
    running = await startTestProvider({ nmiEndpoint: fakes.nmi.url });
    client = providerClient(running.socketPath);
  });
  afterAll(async () => {
    client?.close();
    await running?.close();
    await fakes?.stop();
  });

  it('20 pods with one identity mounting 10 secrets at once: 1 challenge probe and 1 GET per secret', async () => {
    // Latency keeps the first mount's probe and GETs in flight while the other 19 arrive.
    fakes.kv.latencyMs = 300;
    try {
      const pods = Array.from({ length: 20 }, () => newPod('web', CLIENT_ID));
      const nmiBefore = fakes.nmi.calls;
      const probesBefore = count({ probe: true });
      const getsBefore = count({ probe: false, method: 'GET' });
      const results = await Promise.all(pods.map((pod) => mount(client, { attributes: attributes(pod) })));
      expect(results.map((r) => r.error?.details ?? 'ok')).toEqual(Array(20).fill('ok'));
      for (const { response } of results) {
        expect(response?.files.map((f) => [f.path, Buffer.from(f.contents).toString()])).toEqual(
          NAMES.map((name, i) => [name, VALUES[i]]),
        );
      }
      // Every pod still proves its own binding to NMI, once.
      expect(fakes.nmi.calls - nmiBefore).toBe(20);
      expect(count({ probe: true }) - probesBefore).toBe(1);
      for (const name of NAMES) {
        expect(
          fakes.kv.requests.filter((r) => r.path.startsWith(`/secrets/${name}`) && !r.probe).length,
        ).toBe(1);
      }
      expect(count({ probe: false, method: 'GET' }) - getsBefore).toBe(NAMES.length);

      // A rotation poll of the same pods: no NMI call, no new challenge.
      const nmiAfter = fakes.nmi.calls;
      const poll = await Promise.all(pods.map((pod) => mount(client, { attributes: attributes(pod) })));
      expect(poll.map((r) => r.error?.details ?? 'ok')).toEqual(Array(20).fill('ok'));
      expect(fakes.nmi.calls).toBe(nmiAfter);
      expect(count({ probe: true }) - probesBefore).toBe(1);
    } finally {
      fakes.kv.latencyMs = 0;
    }
  });

  it('never shares across identities: the denied identity stays denied beside and right after the allowed one', async () => {
    fakes.kv.latencyMs = 200;
    try {
      const allowed = newPod('allowed', CLIENT_ID);
      const intruder = newPod('intruder', INTRUDER_ID);
      const names = NAMES.slice(0, 2);
      const [ok, denied] = await Promise.all([
        mount(client, { attributes: attributes(allowed, names) }),
        mount(client, { attributes: attributes(intruder, names) }),
      ]);
      expect(ok.error?.details).toBeUndefined();
      expect(denied.error?.code).toBe(status.PERMISSION_DENIED);
      expect(denied.error?.details).toMatch(
        /^failed to mount objects, error: failed to get objectType:secret, objectName:shared-0, objectVersion:: .*403/,
      );
      for (const value of VALUES) expect(denied.error?.details).not.toContain(value);
      // The intruder's token reached Key Vault on its own requests.
      expect(count({ identity: INTRUDER_ID, probe: false })).toBeGreaterThanOrEqual(names.length);

      const again = await mount(client, { attributes: attributes(newPod('intruder', INTRUDER_ID), names) });
      expect(again.error?.code).toBe(status.PERMISSION_DENIED);
    } finally {
      fakes.kv.latencyMs = 0;
    }
  });

  it('a pod NMI gives no identity fails FAILED_PRECONDITION as before, without any Key Vault request', async () => {
    const before = count();
    const unbound = { namespace: 'team', name: 'unbound', uid: '00000000-0000-4000-8000-000000000117' };
    const { error } = await mount(client, { attributes: attributes(unbound, NAMES.slice(0, 2)) }, 7000);
    expect(error?.code).toBe(status.FAILED_PRECONDITION);
    expect(error?.details).toMatch(
      /^failed to mount objects, error: failed to get objectType:secret, objectName:shared-0, objectVersion:: failed to get a token for Key Vault get of secrets\/shared-0: nmi response failed with status code: 404, response body: .*\(pod team\/unbound, /,
    );
    expect(error?.details).toContain(
      '; failed to get objectType:secret, objectName:shared-1, objectVersion:: ',
    );
    expect(count()).toBe(before);
  });

  it('NMI still working at the deadline is DEADLINE_EXCEEDED naming the token wait, without any Key Vault request', async () => {
    const before = count();
    const slow = newPod('slow', CLIENT_ID);
    fakes.nmi.injectFaults({ times: 1, delayMs: 8000 });
    try {
      const { error } = await mount(client, { attributes: attributes(slow, ['shared-0']) }, 7000);
      expect(error?.code).toBe(status.DEADLINE_EXCEEDED);
      expect(error?.details).toMatch(
        /^failed to mount objects, error: failed to get objectType:secret, objectName:shared-0, objectVersion:: context deadline exceeded: still waiting for the access token \(NMI \/ identity endpoint\) needed for Key Vault get of secrets\/shared-0 on kv-demo\.vault\.azure\.net when the mount's \d+ ms ran out$/,
      );
      expect(count()).toBe(before);
    } finally {
      fakes.nmi.clearFaults();
    }
  });
});
