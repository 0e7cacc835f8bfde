import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoAttributes, type Fakes, objects, type POD, startFakes } from './support/fakes.js';
import { mount, providerClient } from './support/grpc-calls.js';
import { startTestProvider, type TestProvider } from './support/test-provider.js';

const PODS = 200;
const NAMES = Array.from({ length: 10 }, (_, i) => `cached-${i}`);
const VALUES = NAMES.map((name) => `${name}-value-never-logged`);
/** kubelet spreads rotation polls: the pods poll in waves, one after another. */
const WAVE = 20;
const IDENTITY = 'cache-client-id';
const INTRUDER = '0badc0de-0000-4000-8000-00000000cace';
const MINUTES_2 = 120_000;

/**
 * The content cache as the daemon runs it (gRPC over a unix socket, pod identity through a fake
 * NMI, the emulator through HTTPS_PROXY): a rotation poll of 200 pods × 10 secrets within the TTL
 * reads nothing from Key Vault and asks NMI for nothing; with 0s every wave reads Key Vault again.
 */
describe('content cache: rotation poll of 200 pods × 10 secrets', () => {
  let fakes: Fakes;
  let podSeq = 0;

  const newPod = (vault: string, clientId = IDENTITY) => {
    const pod = { namespace: 'cache', name: `${vault}-pod-${++podSeq}`, uid: randomUUID() };
    fakes.nmi.bind(pod.namespace, pod.name, clientId);
    return pod;
  };
  const attributes = (vault: string, pod: typeof POD) =>
    demoAttributes(
      { keyvaultName: vault, objects: objects(...NAMES.map((n) => `objectName: ${n}\nobjectType: secret`)) },
      pod,
    );

  beforeAll(async () => {
    fakes = await startFakes();
    for (const vault of ['kv-cache-on', 'kv-cache-off']) {
      const v = fakes.kv.addVault(vault).grant(IDENTITY, { secrets: ['get', 'list'] });
      for (const [i, name] of NAMES.entries()) v.setSecret(name, VALUES[i]!);
    }
  });
  afterAll(async () => {
    await fakes?.stop();
  });

  /** Mounts every pod, `WAVE` at a time; every mount must succeed with the 10 values. */
  async function poll(client: ReturnType<typeof providerClient>, vault: string, pods: (typeof POD)[]) {
    const started = performance.now();
    for (let i = 0; i < pods.length; i += WAVE) {
      const results = await Promise.all(
        pods.slice(i, i + WAVE).map((pod) => mount(client, { attributes: attributes(vault, pod) })),
      );
      for (const { response, error } of results) {
        expect(error?.details).toBeUndefined();
        expect(response?.files.map((f) => Buffer.from(f.contents).toString())).toEqual(VALUES);
      }
    }
    return performance.now() - started;
  }

  async function run(vault: string, ttl: number) {
    const running: TestProvider = await startTestProvider({
      nmiEndpoint: fakes.nmi.url,
      contentCache: { ttlMs: ttl, maxBytes: 16 * 1024 * 1024, staleOnErrorMs: 0 },
    });
    const client = providerClient(running.socketPath);
    try {
      const pods = Array.from({ length: PODS }, () => newPod(vault));
      const firstMs = await poll(client, vault, pods);
      const kvBefore = fakes.kv.countRequests({ vault });
      const nmiBefore = fakes.nmi.calls;
      const pollMs = await poll(client, vault, pods);
      const metrics = await running.provider.metrics.exposition();
      const logs = running.logs.text;
      return {
        running,
        client,
        firstMs,
        pollMs,
        keyVaultRequests: fakes.kv.countRequests({ vault }) - kvBefore,
        tokenRequests: fakes.nmi.calls - nmiBefore,
        metrics,
        logs,
      };
    } catch (error) {
      client.close();
      await running.close();
      throw error;
    }
  }

  it('--content-cache-ttl=2m: 0 Key Vault requests and 0 token requests; pods NMI refuses stay refused', async () => {
    const on = await run('kv-cache-on', MINUTES_2);
    try {
      expect(on.keyVaultRequests).toBe(0);
      expect(on.tokenRequests).toBe(0);
      expect(on.metrics).toMatch(/keyvault_content_cache_total\{result="hit"\} (\d+)/);
      const hits = Number(/keyvault_content_cache_total\{result="hit"\} (\d+)/.exec(on.metrics)?.[1]);
      expect(hits).toBeGreaterThanOrEqual(PODS * NAMES.length);
      expect(Number(/keyvault_content_cache_bytes (\d+)/.exec(on.metrics)?.[1])).toBeGreaterThan(0);
      for (const value of VALUES) expect(on.logs).not.toContain(value);

      // A new pod of the same identity proves its binding to NMI (one call), then reads the cache.
      const kvBefore = fakes.kv.countRequests({ vault: 'kv-cache-on' });
      const nmiBefore = fakes.nmi.calls;
      const newcomer = await mount(on.client, {
        attributes: attributes('kv-cache-on', newPod('kv-cache-on')),
      });
      expect(newcomer.error?.details).toBeUndefined();
      expect(fakes.nmi.calls - nmiBefore).toBe(1);
      expect(fakes.kv.countRequests({ vault: 'kv-cache-on' })).toBe(kvBefore);

      // A pod NMI gives no identity never sees the cached content, and Key Vault is not asked.
      const unbound = { namespace: 'cache', name: 'unbound', uid: randomUUID() };
      const refused = await mount(on.client, { attributes: attributes('kv-cache-on', unbound) }, 7000);
      expect(refused.error?.code).toBe(status.FAILED_PRECONDITION);
      for (const value of VALUES) expect(refused.error?.details).not.toContain(value);

      // A pod NMI gives another identity is answered by Key Vault (403), not by the cache.
      const intruder = await mount(on.client, {
        attributes: attributes('kv-cache-on', newPod('kv-cache-on', INTRUDER)),
      });
      expect(intruder.error?.code).toBe(status.PERMISSION_DENIED);
      expect(fakes.kv.countRequests({ vault: 'kv-cache-on', identity: INTRUDER })).toBeGreaterThan(0);
      console.info(
        `content cache 2m: first round ${Math.round(on.firstMs)} ms, rotation poll ${Math.round(on.pollMs)} ms (${PODS} pods × ${NAMES.length} secrets, waves of ${WAVE})`,
      );
    } finally {
      on.client.close();
      await on.running.close();
    }
  }, 120_000);

  it('--content-cache-ttl=0s: behaviour unchanged, every wave of the poll reads Key Vault', async () => {
    const off = await run('kv-cache-off', 0);
    try {
      // Each wave coalesces its identical GETs, but nothing survives from one wave to the next.
      expect(off.keyVaultRequests).toBeGreaterThanOrEqual((PODS / WAVE) * NAMES.length);
      expect(off.tokenRequests).toBe(0);
      expect(off.metrics).not.toContain('keyvault_content_cache_total{');
      console.info(
        `content cache 0s: first round ${Math.round(off.firstMs)} ms, rotation poll ${Math.round(off.pollMs)} ms, ${off.keyVaultRequests} Key Vault requests`,
      );
    } finally {
      off.client.close();
      await off.running.close();
    }
  }, 120_000);
});
