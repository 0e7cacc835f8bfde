import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { status } from '@grpc/grpc-js';
import { chartDaemonRuntime, ProviderStack } from '@keyvault-csi/demo';
import { DriverMountError, driverAttributes, mountVolume } from '@keyvault-csi/fake-csi-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mount, newPod, objectsYaml, type TestPod } from './support/mount.js';

/**
 * Issue 12 as deployed: the daemon runs with the Helm chart's Node flags (64 MiB heap) and
 * MALLOC_ARENA_MAX, and must stay under the chart's 100Mi memory limit and keep answering other
 * pods while one namespace user sends memory bombs and parser-stalling SecretProviderClasses.
 */
const CHART_MEMORY_LIMIT_KIB = 100 * 1024;
const VALUE_BYTES = 25 * 1024;

let stack: ProviderStack;
const vault = `kvmem${randomUUID().replaceAll('-', '').slice(0, 8)}`;
const clientId = randomUUID();
const bigValue = 'b'.repeat(VALUE_BYTES);
let podCount = 0;

beforeAll(async () => {
  const runtime = chartDaemonRuntime();
  stack = await ProviderStack.start({
    metrics: true,
    nodeOptions: runtime.nodeOptions,
    daemonEnv: runtime.env,
  });
  const v = stack.keyVault.addVault(vault).grant(clientId, { secrets: ['get', 'list'] });
  v.setSecret('big', bigValue);
  v.setSecret('small', 'small value');
});

afterAll(async () => {
  const exit = await stack?.daemon.stop();
  await stack?.stop();
  expect(exit?.code).toBe(0);
});

function pod(): TestPod {
  const p = newPod(`mem-${podCount++}`, 'tenant');
  stack.nmi.bind(p.namespace, p.name, clientId);
  return p;
}

const params = (objects: string) => ({
  usePodIdentity: 'true',
  keyvaultName: vault,
  tenantId: 'tid',
  objects,
});
const aliases = (count: number) =>
  objectsYaml(
    Array.from({ length: count }, (_, i) => ({
      objectName: 'big',
      objectType: 'secret',
      objectAlias: `a${i}`,
    })),
  );

/** Anonymous RSS now and the peak RSS (VmHWM) of the daemon, in KiB. */
function daemonMemory(): { rssAnonKib: number; hwmKib: number } {
  const text = readFileSync(`/proc/${stack.daemon.pid}/status`, 'utf8');
  const field = (name: string) =>
    Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? Number.NaN);
  return { rssAnonKib: field('RssAnon'), hwmKib: field('VmHWM') };
}

async function validMount(): Promise<number> {
  const started = performance.now();
  const outcome = await mount(
    stack,
    params(objectsYaml([{ objectName: 'small', objectType: 'secret' }])),
    pod(),
    {
      timeoutMs: 30_000,
    },
  );
  expect(outcome.ok, outcome.message).toBe(true);
  expect(outcome.files[0]?.contents.toString()).toBe('small value');
  return performance.now() - started;
}

describe('memory bounds per mount and per process', () => {
  it('refuses the 4,000-alias mount of one 25 KiB secret before any Key Vault request', async () => {
    await validMount(); // loads the mount code, as on a node that already served a pod
    stack.keyVault.resetStats();
    const started = performance.now();
    const outcome = await mount(stack, params(aliases(4000)), pod(), { timeoutMs: 30_000 });
    expect(outcome.grpcCode).toBe(status.INVALID_ARGUMENT);
    expect(outcome.message).toMatch(
      /^failed to mount objects, error: objects is too complex: more than 17024 YAML tokens \(the limit for 1000 objects per mount\)$/,
    );
    expect(performance.now() - started).toBeLessThan(2000);
    expect(stack.keyVault.countRequests({ vault, path: /\/secrets\/big/ })).toBe(0);
    // Anonymous memory: what an OOM kill counts (VmHWM adds the binary's reclaimable text pages).
    expect(daemonMemory().rssAnonKib).toBeLessThan(CHART_MEMORY_LIMIT_KIB);
  });

  it('stops 1,000-alias mounts (25 MB of files) at the 4 MiB budget; two in parallel stay under the chart limit', async () => {
    stack.keyVault.resetStats();
    const before = daemonMemory();
    const outcomes = await Promise.all(
      Array.from({ length: 2 }, () => mount(stack, params(aliases(1000)), pod(), { timeoutMs: 60_000 })),
    );
    const after = daemonMemory();
    for (const outcome of outcomes) {
      expect(outcome.grpcCode, outcome.message).toBe(status.RESOURCE_EXHAUSTED);
      expect(outcome.message).toMatch(
        /^failed to mount objects, error: (the mount's files exceed the per-mount budget of 4194304 bytes \(4 MiB, --max-mount-bytes\): 4198400 bytes fetched so far|the provider's memory for mounts in flight, 8388608 bytes \(8 MiB, --max-inflight-mount-bytes\), .*)$/,
      );
    }
    // One coalesced GET per identity at most, not one per alias.
    expect(
      stack.keyVault.countRequests({ vault, path: /\/secrets\/big/, method: 'GET' }),
    ).toBeLessThanOrEqual(8);
    console.log(
      `memory bounds: RssAnon ${before.rssAnonKib} -> ${after.rssAnonKib} KiB, VmHWM ${before.hwmKib} -> ${after.hwmKib} KiB (chart limit ${CHART_MEMORY_LIMIT_KIB} KiB)`,
    );
    // Anonymous memory is what an OOM kill counts. VmHWM also counts the node binary's clean,
    // reclaimable text pages, which differ by Node major (Node 22 idles ~16 MiB above Node 20): its
    // growth, not its level, is what the budget bounds.
    expect(after.rssAnonKib).toBeLessThan(CHART_MEMORY_LIMIT_KIB);
    expect(after.hwmKib - before.hwmKib).toBeLessThan(32 * 1024);
    // Everyone else is still served.
    expect(await validMount()).toBeLessThan(5000);
    expect(stack.daemon.exit).toBeUndefined();
  });
});

describe('no stalls from one request', () => {
  /** 512 KiB of the shape, made distinct per request so no cache helps. */
  const hostile = (n: number) => `${'x:\n  - |\n'.repeat(58_000)}y${n}: z\n`;

  it('eight hostile maximum-size requests in parallel: every valid mount of a stream answers within 1 s', async () => {
    // Built before the clock starts: the doubles (NMI, Key Vault) share this test process, and
    // marshalling 24 × 512 KiB here would stall them, not the daemon.
    const hostileAttributes = Array.from({ length: 24 }, (_, n) => {
      const p = pod();
      return driverAttributes(params(hostile(n)), { ...p, serviceAccountName: 'default' });
    });
    const targetPath = mkdtempSync(path.join(os.tmpdir(), 'e2e-mnt-'));
    const sendHostile = async (attributes: string) => {
      try {
        await mountVolume(stack.client, { attributes, targetPath, timeoutMs: 30_000 });
        return { grpcCode: status.OK, message: '' };
      } catch (error) {
        if (!(error instanceof DriverMountError)) throw error;
        return { grpcCode: error.grpcCode, message: error.details ?? error.message };
      }
    };
    const valid: number[] = [];
    let hostileDone = false;
    const hostileMounts = (async () => {
      const all = [];
      for (let wave = 0; wave < 3; wave++) {
        all.push(...(await Promise.all(hostileAttributes.slice(wave * 8, wave * 8 + 8).map(sendHostile))));
      }
      return all;
    })().finally(() => {
      hostileDone = true;
    });
    const stream = (async () => {
      while (!hostileDone || valid.length < 10) valid.push(await validMount());
    })();
    const answers = await hostileMounts;
    await stream;
    for (const answer of answers) {
      expect(answer.grpcCode).toBe(status.INVALID_ARGUMENT);
      expect(answer.message).toMatch(/objects is too complex: more than 17024 YAML tokens/);
    }
    console.log(
      `stall test: ${answers.length} hostile, ${valid.length} valid mounts, slowest valid ${Math.round(Math.max(...valid))} ms`,
    );
    expect(Math.max(...valid)).toBeLessThan(1000);
    expect(stack.daemon.exit).toBeUndefined();
    const metrics = await (await fetch(stack.metricsUrl!)).text();
    expect(metrics).toMatch(/^event_loop_delay_seconds\{quantile="1"\} [0-9.e-]+$/m);
  });
});
