import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { status } from '@grpc/grpc-js';
import { DaemonProcess, ProviderStack } from '@keyvault-csi/demo';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mount, newPod, objectsYaml } from './support/mount.js';

// Bounded revocation (issue 12): the built daemon, its NMI token cache bounded by
// --token-cache-max-age, against the fake NMI and the Key Vault emulator.

const MAX_AGE_MS = 1000;
let bounded: ProviderStack;
let uncached: ProviderStack;

beforeAll(async () => {
  [bounded, uncached] = await Promise.all([
    ProviderStack.start({ daemonArgs: [`--token-cache-max-age=${MAX_AGE_MS}ms`] }),
    // 1ms: every token request asks NMI, so the identity can change between two asks of one mount.
    ProviderStack.start({ daemonArgs: ['--token-cache-max-age=1ms'] }),
  ]);
});

afterAll(async () => {
  for (const stack of [bounded, uncached]) {
    const exit = await stack?.daemon.stop();
    const output = stack?.daemon.output ?? '';
    await stack?.stop();
    expect(output).not.toMatch(/eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/);
    expect(exit?.code).toBe(0);
  }
});

/** A vault with one secret, readable by a fresh identity bound to a fresh pod. */
function setUp(stack: ProviderStack) {
  const vault = `kv${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const clientId = randomUUID();
  const pod = newPod(`pod-${vault}`, 'e2e');
  stack.nmi.bind(pod.namespace, pod.name, clientId);
  stack.keyVault.addVault(vault).grant(clientId, { secrets: ['get'] });
  stack.keyVault.vault(vault).setSecret('s1', 'revocable-value');
  const parameters = {
    usePodIdentity: 'true',
    keyvaultName: vault,
    tenantId: randomUUID(),
    objects: objectsYaml([{ objectName: 's1', objectType: 'secret' }]),
  };
  return { vault, clientId, pod, parameters };
}

describe('--token-cache-max-age', () => {
  it('refuses the next mount after max-age once the pod identity binding is removed', async () => {
    const { pod, parameters } = setUp(bounded);
    const first = await mount(bounded, parameters, pod, { timeoutMs: 7000 });
    expect(first.message).toBeUndefined();
    const servedAt = Date.now();

    bounded.nmi.unbind(pod.namespace, pod.name);
    await delay(Math.max(0, servedAt + MAX_AGE_MS + 100 - Date.now()));
    const callsBefore = bounded.nmi.calls;
    const refused = await mount(bounded, parameters, pod, { timeoutMs: 7000 });

    expect(refused.ok).toBe(false);
    expect(refused.grpcCode).toBe(status.FAILED_PRECONDITION);
    expect(refused.message).toContain('nmi response failed with status code: 404');
    expect(refused.message).toContain(`pod ${pod.namespace}/${pod.name}`);
    // NMI was asked again: the cached token (valid for a day) was not served.
    expect(bounded.nmi.calls).toBeGreaterThan(callsBefore);
  });

  it('rejects a zero or malformed value at start-up', async () => {
    for (const value of ['0s', 'soon']) {
      const daemon = new DaemonProcess(
        [`--token-cache-max-age=${value}`, '--healthz-port=0', '--prometheus-port=0'],
        process.env,
      );
      const exit = await daemon.exited;
      expect(exit.code).toBe(1);
      expect(daemon.output).toContain(`invalid value "${value}" for flag -token-cache-max-age`);
    }
  });
});

describe('tokens handed to clients shared per identity are checked against that identity', () => {
  it('fails the mount PERMISSION_DENIED when NMI answers with another identity mid-mount, and logs it', async () => {
    const { clientId, pod, parameters } = setUp(uncached);
    const other = randomUUID();
    const stack = uncached;
    // The mount asks NMI twice: which identity the pod holds (answered at once), then the token
    // for the Key Vault client keyed by that identity (held back 1.5 s, NMI reads the bindings
    // after the wait). The binding changes in between.
    stack.nmi.resetLog();
    stack.nmi.injectFaults({ delayMs: 1 });
    stack.nmi.injectFaults({ delayMs: 1500 });
    const pending = mount(stack, parameters, pod, { timeoutMs: 15_000 });
    const deadline = Date.now() + 10_000;
    while (!stack.nmi.requests.some((r) => r.outcome === 200) && Date.now() < deadline) await delay(5);
    stack.nmi.unbind(pod.namespace, pod.name);
    stack.nmi.bind(pod.namespace, pod.name, other);
    const outcome = await pending;

    expect(stack.nmi.requests.map((r) => r.issuedFor)).toEqual([clientId, other]);
    expect(outcome.ok).toBe(false);
    expect(outcome.grpcCode).toBe(status.PERMISSION_DENIED);
    expect(outcome.message).toContain(
      `NMI issued pod ${pod.namespace}/${pod.name} a token for identity client id ${other.slice(0, 4)}##### REDACTED #####${other.slice(-4)}`,
    );
    expect(outcome.message).toContain('(client id differs)');
    expect(outcome.message).not.toContain(other);
    expect(outcome.message).not.toContain(clientId);
    await expect
      .poll(() => stack.daemon.output, { timeout: 5000 })
      .toMatch(/"errorCode":"NMI_IDENTITY_MISMATCH"/);

    // The next mount resolves the pod's identity afresh and is keyed by the new one.
    const next = await mount(stack, parameters, pod, { timeoutMs: 7000 });
    expect(next.grpcCode).toBe(status.PERMISSION_DENIED);
    expect(next.message).not.toContain('NMI issued');
  });
});
