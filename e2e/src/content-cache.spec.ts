// The content cache's stale-on-error window (extensions §7) with the built daemon as a process and
// the emulator's fault injection: a Key Vault outage (503, connection resets) is ridden out from
// what was fetched earlier, with one warning per object; revocation (403) and deletion (404) win;
// no identity is ever served another identity's entry.
import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { ProviderStack } from '@keyvault-csi/demo';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mount, newPod, podIdentityParameters, type TestPod } from './support/mount.js';
import { snapshotTarget } from './support/target-snapshot.js';

let stack: ProviderStack;
const secretValues: string[] = [];

beforeAll(async () => {
  // TTL 0: every mount reads Key Vault, so each one below meets the injected fault.
  stack = await ProviderStack.start({
    daemonArgs: ['--content-cache-ttl=0s', '--content-cache-stale-on-error=1h'],
  });
});

afterAll(async () => {
  const exit = await stack?.daemon.stop();
  const output = stack?.daemon.output ?? '';
  await stack?.stop();
  for (const value of secretValues) expect(output).not.toContain(value);
  expect(exit?.code).toBe(0);
});

interface Tenant {
  readonly vault: string;
  readonly clientId: string;
  readonly pod: TestPod;
  params(names: readonly string[]): Record<string, string>;
}

function tenant(names: readonly string[]): Tenant {
  const vault = `kv${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const clientId = randomUUID();
  const pod = newPod(`pod-${vault}`, 'cache');
  stack.nmi.bind(pod.namespace, pod.name, clientId);
  const v = stack.keyVault.addVault(vault).grant(clientId, { secrets: ['get', 'list'] });
  for (const name of names) {
    const value = `${name}-${randomUUID()}`;
    secretValues.push(value);
    v.setSecret(name, value);
  }
  return {
    vault,
    clientId,
    pod,
    params: (objectNames) =>
      podIdentityParameters(
        vault,
        objectNames.map((objectName) => ({ objectName, objectType: 'secret' })),
      ),
  };
}

const staleCount = async (): Promise<number> =>
  Number(/keyvault_content_cache_total\{result="stale"\} (\d+)/.exec(await stack.metrics())?.[1] ?? 0);
const warningsFor = (vault: string): string[] =>
  stack.daemon.output
    .split('\n')
    .filter((line) => line.includes('serving the content fetched earlier') && line.includes(vault));

describe.concurrent('--content-cache-stale-on-error=1h', () => {
  it('a Key Vault outage (503 and resets) is served from the last answer, one warning per object', async () => {
    const t = tenant(['db', 'api']);
    const first = await mount(stack, t.params(['db', 'api']), t.pod);
    expect(first.message).toBeUndefined();
    const before = first.files.map((f) => [f.path, f.contents.toString()]);

    const outage = [
      stack.keyVault.injectFault({
        vault: t.vault,
        path: '/secrets/db/',
        action: { type: 'unavailable', retryAfterSeconds: 0 },
      }),
      stack.keyVault.injectFault({ vault: t.vault, path: '/secrets/api/', action: { type: 'reset' } }),
    ];
    const staleBefore = await staleCount();
    // Each alone first: over HTTP/2 a reset takes down every request multiplexed on the connection.
    for (const name of ['db', 'api'])
      expect((await mount(stack, t.params([name]), t.pod)).message).toBeUndefined();
    for (let i = 0; i < 2; i++) {
      const during = await mount(stack, t.params(['db', 'api']), t.pod, { targetPath: first.targetPath });
      expect(during.message).toBeUndefined();
      expect(during.files.map((f) => [f.path, f.contents.toString()])).toEqual(before);
    }
    expect(outage.every((fault) => fault.matched > 0)).toBe(true);
    expect((await staleCount()) - staleBefore).toBeGreaterThanOrEqual(6);
    const warnings = warningsFor(t.vault);
    expect(warnings).toHaveLength(2);
    expect(warnings.find((w) => w.includes('"objectName":"db"'))).toMatch(/SERVER_ERROR: 503/);
    expect(warnings.find((w) => w.includes('"objectName":"api"'))).toMatch(/NETWORK_ERROR/);
    for (const fault of outage) fault.remove();
  });

  it('revocation (403) and deletion (404) win over the stale window; the previous files stay', async () => {
    const t = tenant(['kept', 'deleted']);
    const revokedFirst = await mount(stack, t.params(['kept']), t.pod);
    const deletedFirst = await mount(stack, t.params(['deleted']), t.pod);
    expect([revokedFirst.message, deletedFirst.message]).toEqual([undefined, undefined]);
    const deletedBefore = snapshotTarget(deletedFirst.targetPath);

    stack.keyVault.vault(t.vault).deleteObject('secrets', 'deleted');
    const deleted = await mount(stack, t.params(['deleted']), t.pod, { targetPath: deletedFirst.targetPath });
    expect(deleted.grpcCode).toBe(status.NOT_FOUND);
    expect(snapshotTarget(deletedFirst.targetPath)).toEqual(deletedBefore);

    const revokedBefore = snapshotTarget(revokedFirst.targetPath);
    stack.keyVault.vault(t.vault).revoke(t.clientId);
    const revoked = await mount(stack, t.params(['kept']), t.pod, { targetPath: revokedFirst.targetPath });
    expect(revoked.grpcCode).toBe(status.PERMISSION_DENIED);
    expect(snapshotTarget(revokedFirst.targetPath)).toEqual(revokedBefore);
    expect(warningsFor(t.vault)).toEqual([]);
  });

  it('never across identities: another identity meeting the outage fails, the first is served', async () => {
    const t = tenant(['shared']);
    const otherId = randomUUID();
    const other = newPod(`other-${t.vault}`, 'cache');
    stack.nmi.bind(other.namespace, other.name, otherId);
    stack.keyVault.vault(t.vault).grant(otherId, { secrets: ['get'] });
    expect((await mount(stack, t.params(['shared']), t.pod)).message).toBeUndefined();

    const fault = stack.keyVault.injectFault({
      vault: t.vault,
      path: '/secrets/shared/',
      action: { type: 'unavailable', retryAfterSeconds: 0 },
    });
    const [owner, stranger] = await Promise.all([
      mount(stack, t.params(['shared']), t.pod),
      mount(stack, t.params(['shared']), other),
    ]);
    fault.remove();
    expect(owner.message).toBeUndefined();
    expect(stranger.ok).toBe(false);
    expect(stranger.message).toMatch(/503/);
  });
});
