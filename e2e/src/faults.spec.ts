// Fault tests (issue 7 §2): each asserts what the user sees (gRPC code and message) and that a
// failed mount leaves the files of the previous successful mount exactly as they were. Cases the
// lead's pod-identity.spec.ts and lifecycle.spec.ts already cover (NMI 404 ×K then success, 429
// recovery, stale socket after SIGKILL, SIGTERM with one mount) are repeated only with that angle.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { status } from '@grpc/grpc-js';
import { DaemonProcess, ProviderStack, readVisibleFiles } from '@keyvault-csi/demo';
import { connectProvider } from '@keyvault-csi/fake-csi-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mount, newPod, podIdentityParameters, type TestPod } from './support/mount.js';
import { snapshotTarget } from './support/target-snapshot.js';

const PREFIX = 'failed to mount objects, error: ';

// The groups run concurrently (most of their time is spent waiting on injected delays, retries and
// deadlines); NMI faults are global to a fake NMI, so that group has its own stack and runs in order.
let stack: ProviderStack;
let nmiStack: ProviderStack;
const secretValues: string[] = [];

beforeAll(async () => {
  [stack, nmiStack] = await Promise.all([ProviderStack.start(), ProviderStack.start({ metrics: false })]);
});

afterAll(async () => {
  for (const s of [stack, nmiStack]) {
    const exit = await s?.daemon.stop();
    const output = s?.daemon.output ?? '';
    await s?.stop();
    for (const value of secretValues) expect(output).not.toContain(value);
    expect(output).not.toMatch(/eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/);
    expect(exit?.code).toBe(0);
  }
});

interface Tenant {
  readonly vault: string;
  readonly clientId: string;
  readonly pod: TestPod;
  /** Another pod with the same identity (a new pod that has no cached token yet). */
  newcomer(): TestPod;
  set(name: string, value: string): string;
  params(names: readonly string[]): Record<string, string>;
}

/** A vault of its own with one identity, so tests never see each other's objects or faults. */
function tenant(target: ProviderStack = stack): Tenant {
  const vault = `kv${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const clientId = randomUUID();
  const pod = newPod(`pod-${vault}`, 'faults');
  target.nmi.bind(pod.namespace, pod.name, clientId);
  target.keyVault.addVault(vault).grant(clientId, { secrets: ['get', 'list'] });
  let newcomers = 0;
  return {
    vault,
    clientId,
    pod,
    newcomer() {
      const other = newPod(`${pod.name}-new${newcomers++}`, 'faults');
      target.nmi.bind(other.namespace, other.name, clientId);
      return other;
    },
    set(name, value) {
      secretValues.push(value);
      return target.keyVault.vault(vault).setSecret(name, value).version;
    },
    params: (names) =>
      podIdentityParameters(
        vault,
        names.map((objectName) => ({ objectName, objectType: 'secret' })),
      ),
  };
}

/** A first successful mount into a fresh target; returns the target and its on-disk snapshot. */
async function mountedTarget(
  params: Record<string, string>,
  pod: TestPod,
  target: ProviderStack = stack,
): Promise<{ targetPath: string; before: Record<string, string>; files: Record<string, string> }> {
  const first = await mount(target, params, pod);
  expect(first.message).toBeUndefined();
  return {
    targetPath: first.targetPath,
    before: snapshotTarget(first.targetPath),
    files: readVisibleFiles(first.targetPath),
  };
}

function emptyTarget(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'e2e-faults-'));
}

describe.concurrent('faults', () => {
  describe('the daemon killed or stopped with mounts in flight', () => {
    it('SIGKILL mid-mount leaves the previous files intact; a restart on the stale socket serves the rotation', async () => {
      const own = await ProviderStack.start({ metrics: false });
      let again: DaemonProcess | undefined;
      try {
        const t = tenant(own);
        t.set('s', 'kill-value-1');
        const { targetPath, before } = await mountedTarget(t.params(['s']), t.pod, own);
        t.set('s', 'kill-value-2');
        own.keyVault.injectFault({
          vault: t.vault,
          path: /\/secrets\/s\//,
          times: 1,
          action: { type: 'delay', ms: 3000 },
        });
        const inFlight = mount(own, t.params(['s']), t.pod, { targetPath, timeoutMs: 4000 });
        await delay(700);
        expect((await own.daemon.stop('SIGKILL')).signal).toBe('SIGKILL');
        const killed = await inFlight;
        expect(killed.ok).toBe(false);
        expect(snapshotTarget(targetPath)).toEqual(before);
        expect(existsSync(own.socketPath)).toBe(true);

        again = new DaemonProcess(
          [
            `--endpoint=unix://${own.socketPath}`,
            `--nmi-endpoint=${own.nmi.url}`,
            '--healthz-port=-1',
            '--prometheus-port=-1',
            '--log-format-json',
          ],
          {
            ...process.env,
            HTTPS_PROXY: own.keyVault.proxyUrl,
            NO_PROXY: '127.0.0.1,localhost',
            NODE_EXTRA_CA_CERTS: own.keyVault.caCertPath,
          },
        );
        const client = connectProvider(own.socketPath);
        try {
          const viaNewDaemon = { ...own, client } as ProviderStack;
          const poll = await mount(viaNewDaemon, t.params(['s']), t.pod, { targetPath, timeoutMs: 20_000 });
          expect(poll.message).toBeUndefined();
          expect(readVisibleFiles(targetPath)).toEqual({ s: 'kill-value-2' });
        } finally {
          client.close();
        }
        expect((await again.stop('SIGTERM')).code).toBe(0);
        for (const value of ['kill-value-1', 'kill-value-2']) expect(again.output).not.toContain(value);
      } finally {
        await again?.stop('SIGKILL');
        await own.stop();
      }
    });

    it('SIGTERM with 50 mounts in flight: each is answered (complete files) or cleanly CANCELLED, exit 0', async () => {
      const own = await ProviderStack.start({ metrics: false });
      try {
        const t = tenant(own);
        t.set('quick', 'sigterm-quick-value');
        t.set('stuck', 'sigterm-stuck-value');
        // 25 mounts finish within the 10 s grace period, 25 are still waiting on Key Vault when it ends.
        own.keyVault.injectFault({
          vault: t.vault,
          path: /\/secrets\/quick\//,
          action: { type: 'delay', ms: 1500 },
        });
        own.keyVault.injectFault({
          vault: t.vault,
          path: /\/secrets\/stuck\//,
          action: { type: 'delay', ms: 30_000 },
        });
        const pods = Array.from({ length: 50 }, () => t.newcomer());
        const targets = pods.map(() => {
          const dir = emptyTarget();
          mkdirSync(dir, { recursive: true });
          return dir;
        });
        const inFlight = pods.map((pod, i) =>
          mount(own, t.params([i % 2 === 0 ? 'quick' : 'stuck']), pod, {
            targetPath: targets[i]!,
            timeoutMs: 60_000,
          }),
        );
        await delay(800);
        const started = Date.now();
        const exit = own.daemon.stop('SIGTERM', 20_000);
        const outcomes = await Promise.all(inFlight);
        expect((await exit).code).toBe(0);
        expect(Date.now() - started).toBeLessThan(13_000);
        expect(existsSync(own.socketPath)).toBe(false);
        for (const [i, outcome] of outcomes.entries()) {
          if (i % 2 === 0) {
            expect(outcome.message).toBeUndefined();
            expect(readVisibleFiles(targets[i]!)).toEqual({ quick: 'sigterm-quick-value' });
          } else {
            expect(outcome.grpcCode).toBe(status.CANCELLED);
            expect(readdirSync(targets[i]!)).toEqual([]);
          }
        }
      } finally {
        await own.stop();
      }
    });
  });

  describe.sequential('NMI faults', () => {
    it('refusing connections: a new pod gets FAILED_PRECONDITION naming NMI, a running pod keeps its files and rotation polls', async () => {
      const t = tenant(nmiStack);
      t.set('s', 'nmi-refused-value');
      const { targetPath, before } = await mountedTarget(t.params(['s']), t.pod, nmiStack);
      const newcomer = t.newcomer();
      const newTarget = emptyTarget();
      await nmiStack.nmi.refuse();
      try {
        const refused = await mount(nmiStack, t.params(['s']), newcomer, {
          targetPath: newTarget,
          timeoutMs: 8000,
        });
        expect(refused.grpcCode).toBe(status.FAILED_PRECONDITION);
        expect(refused.message).toMatch(
          new RegExp(
            `^${PREFIX}.*NMI not reachable at ${nmiStack.nmi.url.replaceAll('.', '\\.')}.*ECONNREFUSED`,
          ),
        );
        expect(readdirSync(newTarget)).toEqual([]);

        // The running pod's token is cached: its rotation poll does not need NMI.
        const poll = await mount(nmiStack, t.params(['s']), t.pod, { targetPath });
        expect(poll.message).toBeUndefined();
        expect(snapshotTarget(targetPath)).toEqual(before);
      } finally {
        await nmiStack.nmi.accept();
      }
      const recovered = await mount(nmiStack, t.params(['s']), newcomer, { targetPath: newTarget });
      expect(recovered.message).toBeUndefined();
      expect(readVisibleFiles(newTarget)).toEqual({ s: 'nmi-refused-value' });
    });

    it('slow NMI: an answer within the budget mounts, one beyond it is DEADLINE_EXCEEDED naming NMI', async () => {
      const t = tenant(nmiStack);
      t.set('s', 'nmi-slow-value');
      nmiStack.nmi.injectFaults({ times: 1, delayMs: 1500 });
      const slow = await mount(nmiStack, t.params(['s']), t.newcomer());
      expect(slow.message).toBeUndefined();
      expect(readVisibleFiles(slow.targetPath)).toEqual({ s: 'nmi-slow-value' });

      nmiStack.nmi.injectFaults({ times: 1, delayMs: 8000 });
      const started = Date.now();
      const tooSlow = await mount(nmiStack, t.params(['s']), t.newcomer(), { timeoutMs: 7000 });
      expect(tooSlow.grpcCode).toBe(status.DEADLINE_EXCEEDED);
      expect(tooSlow.message).toMatch(
        /^failed to mount objects, error: failed to get objectType:secret, objectName:s, objectVersion:: context deadline exceeded: still waiting for the access token \(NMI/,
      );
      // Answered when the internal budget (deadline − 5 s) ran out, not at the caller's deadline.
      expect(Date.now() - started).toBeLessThan(6000);
      expect(readdirSync(tooSlow.targetPath)).toEqual([]);
      nmiStack.nmi.clearFaults();
    });

    it('500 and 503 are retried; a lasting 500 is FAILED_PRECONDITION with the status and body', async () => {
      const t = tenant(nmiStack);
      t.set('s', 'nmi-5xx-value');
      const before = nmiStack.nmi.calls;
      nmiStack.nmi.injectFaults({ times: 1, status: 500 });
      nmiStack.nmi.injectFaults({ times: 1, status: 503 });
      const retried = await mount(nmiStack, t.params(['s']), t.newcomer());
      expect(retried.message).toBeUndefined();
      expect(readVisibleFiles(retried.targetPath)).toEqual({ s: 'nmi-5xx-value' });
      expect(nmiStack.nmi.calls - before).toBe(3);

      nmiStack.nmi.injectFaults({ times: 100, status: 500 });
      try {
        const lasting = await mount(nmiStack, t.params(['s']), t.newcomer(), { timeoutMs: 8000 });
        expect(lasting.grpcCode).toBe(status.FAILED_PRECONDITION);
        expect(lasting.message).toContain('nmi response failed with status code: 500, response body: ');
        expect(lasting.message).toMatch(/\d+ attempts in [\d.]+s/);
        expect(readdirSync(lasting.targetPath)).toEqual([]);
      } finally {
        nmiStack.nmi.clearFaults();
      }
    });
  });

  describe('Key Vault faults on a rotation poll leave the previous files intact', () => {
    it('lasting 429, with and without Retry-After: RESOURCE_EXHAUSTED, no half-updated file set', async () => {
      const t = tenant();
      t.set('a', 'throttle-a-1');
      t.set('b', 'throttle-b-1');
      const { targetPath, before, files } = await mountedTarget(t.params(['a', 'b']), t.pod);
      // 'a' rotates and would be fetched fine; 'b' is throttled: nothing may change.
      t.set('a', 'throttle-a-2');
      for (const action of [
        { type: 'throttle' as const },
        { type: 'throttle' as const, retryAfterSeconds: 1 },
      ]) {
        const fault = stack.keyVault.injectFault({ vault: t.vault, path: /\/secrets\/b\//, action });
        try {
          const poll = await mount(stack, t.params(['a', 'b']), t.pod, { targetPath, timeoutMs: 8000 });
          expect(poll.grpcCode).toBe(status.RESOURCE_EXHAUSTED);
          expect(poll.message).toMatch(
            new RegExp(`^${PREFIX}failed to get objectType:secret, objectName:b, .*429`),
          );
          expect(poll.message).not.toContain('throttle-a-2');
          expect(snapshotTarget(targetPath)).toEqual(before);
          expect(readVisibleFiles(targetPath)).toEqual(files);
        } finally {
          fault.remove();
        }
      }
    });

    it('one 503 is retried to a complete mount; a lasting 5xx is ABORTED and changes nothing', async () => {
      const t = tenant();
      t.set('a', 'fivexx-a-1');
      const { targetPath, before } = await mountedTarget(t.params(['a']), t.pod);
      t.set('a', 'fivexx-a-2');
      const lasting = stack.keyVault.injectFault({
        vault: t.vault,
        path: /\/secrets\/a\//,
        action: { type: 'unavailable' },
      });
      try {
        const poll = await mount(stack, t.params(['a']), t.pod, { targetPath, timeoutMs: 30_000 });
        expect(poll.grpcCode).toBe(status.ABORTED);
        expect(poll.message).toMatch(
          new RegExp(`^${PREFIX}failed to get objectType:secret, objectName:a, .*503`),
        );
        expect(snapshotTarget(targetPath)).toEqual(before);
      } finally {
        lasting.remove();
      }
      const once = stack.keyVault.injectFault({
        vault: t.vault,
        path: /\/secrets\/a\//,
        times: 1,
        action: { type: 'status', status: 500, code: 'InternalServerError', message: 'boom' },
      });
      const retried = await mount(stack, t.params(['a']), t.pod, { targetPath });
      expect(retried.message).toBeUndefined();
      expect(once.matched).toBe(1);
      expect(readVisibleFiles(targetPath)).toEqual({ a: 'fivexx-a-2' });
    });

    it('latency beyond the mount deadline: DEADLINE_EXCEEDED naming the step and object, no request after it', async () => {
      const t = tenant();
      t.set('slow', 'slow-value-1');
      const { targetPath, before } = await mountedTarget(t.params(['slow']), t.pod);
      t.set('slow', 'slow-value-2');
      const fault = stack.keyVault.injectFault({
        vault: t.vault,
        path: /\/secrets\/slow\//,
        action: { type: 'delay', ms: 15_000 },
      });
      const count = () => stack.keyVault.countRequests({ vault: t.vault, path: /\/secrets\/slow\// });
      try {
        const started = Date.now();
        const poll = await mount(stack, t.params(['slow']), t.pod, { targetPath, timeoutMs: 7000 });
        const elapsed = Date.now() - started;
        expect(poll.grpcCode).toBe(status.DEADLINE_EXCEEDED);
        expect(poll.message).toMatch(/objectName:slow/);
        expect(poll.message).toMatch(/\bget\b/);
        expect(elapsed).toBeLessThan(6000);
        const atFailure = count();
        await delay(1500);
        expect(count()).toBe(atFailure);
        expect(snapshotTarget(targetPath)).toEqual(before);
      } finally {
        fault.remove();
      }
      const after = await mount(stack, t.params(['slow']), t.pod, { targetPath });
      expect(after.message).toBeUndefined();
      expect(readVisibleFiles(targetPath)).toEqual({ slow: 'slow-value-2' });
    });

    it('connection reset mid-response is retried; a body cut off is ABORTED and changes nothing; a lasting reset too', async () => {
      const t = tenant();
      const long = `truncated-${'x'.repeat(4000)}-end`;
      t.set('reset', 'reset-value-1');
      t.set('cut', long);
      const { targetPath, before } = await mountedTarget(t.params(['reset', 'cut']), t.pod);
      t.set('reset', 'reset-value-2');
      t.set('cut', `${long}-2`);
      const params = t.params(['reset', 'cut']);
      const resetOnce = stack.keyVault.injectFault({
        vault: t.vault,
        path: /\/secrets\/reset\//,
        times: 1,
        action: { type: 'reset' },
      });
      const truncateOnce = stack.keyVault.injectFault({
        vault: t.vault,
        path: /\/secrets\/cut\//,
        times: 1,
        action: { type: 'truncate' },
      });
      const cut = await mount(stack, params, t.pod, { targetPath });
      expect(resetOnce.matched).toBe(1);
      expect(truncateOnce.matched).toBe(1);
      // The reset was retried by the SDK; the cut-off body is a transient error, never partial bytes.
      expect(cut.grpcCode).toBe(status.ABORTED);
      expect(cut.message).toBe(
        `${PREFIX}failed to get objectType:secret, objectName:cut, objectVersion:: connection closed mid-response during Key Vault get of secrets/cut on ${t.vault}.vault.azure.net: Error reading response as text: aborted`,
      );
      expect(snapshotTarget(targetPath)).toEqual(before);

      const lasting = stack.keyVault.injectFault({
        vault: t.vault,
        path: /\/secrets\/reset\//,
        action: { type: 'reset' },
      });
      try {
        const poll = await mount(stack, params, t.pod, { targetPath, timeoutMs: 30_000 });
        expect(poll.grpcCode).toBe(status.ABORTED);
        expect(poll.message).toMatch(
          /objectName:reset, objectVersion:: ECONNRESET during Key Vault get of secrets\/reset/,
        );
        expect(snapshotTarget(targetPath)).toEqual(before);
      } finally {
        lasting.remove();
      }
      const recovered = await mount(stack, params, t.pod, { targetPath });
      expect(recovered.message).toBeUndefined();
      expect(readVisibleFiles(targetPath)).toEqual({ reset: 'reset-value-2', cut: `${long}-2` });
    });
  });
});
