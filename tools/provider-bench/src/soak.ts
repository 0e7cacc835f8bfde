import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ChartDaemonRuntime } from '@keyvault-csi/demo';
import { DaemonUnderTest } from './daemon-under-test.js';
import { DoubleProcess } from './double-process.js';
import type { NmiCounts } from './double-protocol.js';
import { type Figure, type MachineInfo, machineInfo } from './figures.js';
import { type BenchPod, median, mountAttributes, mountOnce, runPool } from './mount-load.js';
import { auditOutput } from './output-audit.js';
import { readProcess } from './process-sampler.js';

export interface SoakOptions {
  readonly mounts?: number;
  readonly pods?: number;
  readonly concurrency?: number;
  /** Fraction of the pods restarted (new uid: new token cache key, new SDK clients) each round. */
  readonly restartFraction?: number;
  /** Heap cap of the daemon (the chart's), or undefined for Node's default. */
  /** Run the daemon as the Helm chart does (`chartDaemonRuntime()` of @keyvault-csi/demo). */
  readonly chart?: ChartDaemonRuntime;
  /** NMI token lifetime: tokens expire from the cache during the soak (valid = lifetime − 5 min). */
  readonly tokenLifetimeSeconds?: number;
  readonly log?: (line: string) => void;
}

export interface SoakSample {
  readonly mounts: number;
  readonly seconds: number;
  readonly rssMiB: number;
  readonly openFds: number;
  readonly sockets: number;
  readonly errors: number;
}

export interface SoakResult {
  readonly machine: MachineInfo;
  readonly options: Required<Omit<SoakOptions, 'log' | 'chart'>> & {
    chart?: ChartDaemonRuntime;
  };
  readonly samples: SoakSample[];
  readonly figures: Figure[];
  readonly durationSeconds: number;
}

const ROUND_SECRETS = 20;

/**
 * 20,000 mounts across 500 pods in rounds (each round mounts every pod once: a rotation poll), with
 * pods restarting (new uid) and secrets rotating between rounds and tokens expiring from the cache.
 * Samples RSS, open fds and sockets of the daemon after every round.
 */
export async function runSoak(options: SoakOptions = {}): Promise<SoakResult> {
  const began = performance.now();
  const mounts = options.mounts ?? 20_000;
  const podCount = options.pods ?? 500;
  const concurrency = options.concurrency ?? 16;
  const restartFraction = options.restartFraction ?? 0.05;
  const tokenLifetimeSeconds = options.tokenLifetimeSeconds ?? 330;
  const log = options.log ?? (() => {});
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'provider-soak-'));
  const [nmi, kv] = await Promise.all([
    DoubleProcess.start('nmi', undefined, { tokenLifetimeSeconds }),
    DoubleProcess.start('kv', path.join(workDir, 'tls')),
  ]);
  let daemon: DaemonUnderTest | undefined;
  const secretValues = new Set<string>();
  let auditFindings = 0;
  try {
    const clientId = randomUUID();
    const names = Array.from({ length: ROUND_SECRETS }, (_, i) => `soak-${i}`);
    const rotate = async (only?: number) => {
      const secrets: Record<string, string> = {};
      for (const [i, name] of names.entries()) {
        if (only !== undefined && i !== only) continue;
        const value = `soak-value-${i}-${randomBytes(12).toString('hex')}`;
        secretValues.add(value);
        secrets[name] = value;
      }
      await kv.call({ op: 'kv.seed', seed: { vault: 'kv-soak', clientId, secrets } });
    };
    await rotate();
    const pods: BenchPod[] = Array.from({ length: podCount }, (_, i) => ({
      namespace: 'soak',
      name: `soak-${i}`,
      uid: randomUUID(),
    }));
    await nmi.call({ op: 'nmi.bind', pods, clientId });
    const dir = path.join(workDir, 'provider');
    mkdirSync(dir, { mode: 0o700 });
    let scanned = 0;
    let pending = '';
    daemon = await DaemonUnderTest.start({
      socketPath: path.join(dir, 'azure.sock'),
      nmiUrl: nmi.ready.url,
      proxyUrl: kv.ready.proxyUrl!,
      caCertPath: kv.ready.caCertPath!,
      ...(options.chart ? { nodeOptions: [...options.chart.nodeOptions], env: options.chart.env } : {}),
      keepOutputChars: 64 * 1024,
      // Audit the whole output as it streams (it is not all kept in memory).
      onOutput: (chunk) => {
        pending += chunk;
        const cut = pending.lastIndexOf('\n');
        if (cut < 0) return;
        auditFindings += auditOutput(pending.slice(0, cut), secretValues).length;
        scanned += cut;
        pending = pending.slice(cut + 1);
      },
    });
    const running = daemon;
    const samples: SoakSample[] = [];
    const rounds = Math.ceil(mounts / podCount);
    let done = 0;
    let errors = 0;
    let firstError = '';
    for (let round = 0; round < rounds; round++) {
      const inRound = Math.min(podCount, mounts - done);
      const results = await runPool(inRound, concurrency, (i) => {
        const pod = pods[i]!;
        // Each pod mounts 2 of the 20 secrets; neighbours share some (coalescing on and off).
        const chosen = [names[i % ROUND_SECRETS]!, names[(i * 7 + 3) % ROUND_SECRETS]!];
        return mountOnce(running.client, mountAttributes('kv-soak', [...new Set(chosen)], pod), 60_000);
      });
      done += inRound;
      const failed = results.filter((r) => !r.ok);
      errors += failed.length;
      if (failed[0] && !firstError) firstError = `${failed[0].code} ${failed[0].details.slice(0, 300)}`;
      const reading = readProcess(running.pid);
      samples.push({
        mounts: done,
        seconds: (performance.now() - began) / 1000,
        rssMiB: reading.rssKib / 1024,
        openFds: reading.openFds,
        sockets: reading.sockets,
        errors,
      });
      log(
        `round ${round + 1}/${rounds}: ${done} mounts, RSS ${(reading.rssKib / 1024).toFixed(1)} MiB, fds ${reading.openFds}, sockets ${reading.sockets}, errors ${errors}`,
      );
      // Between rounds: some pods restart (new uid), one secret rotates.
      for (const pod of pods.slice(0, Math.round(podCount * restartFraction))) {
        const restarted = pods.indexOf(pod);
        pods[restarted] = { ...pod, uid: randomUUID() };
      }
      pods.push(...pods.splice(0, Math.round(podCount * restartFraction)));
      await rotate(round % ROUND_SECRETS);
    }
    const nmiCounts = await nmi.call<NmiCounts>({ op: 'nmi.counters' });
    const exit = await running.stop('SIGTERM');
    auditFindings += auditOutput(pending, secretValues).length;
    scanned += pending.length;

    // Warm-up: the first quarter of the rounds (every pod mounted, caches and pools filled).
    const warmRounds = Math.max(1, Math.floor(samples.length / 4));
    const afterWarmUp = samples.slice(warmRounds);
    const baseline = median(afterWarmUp.slice(0, 3).map((s) => s.rssMiB));
    const end = median(afterWarmUp.slice(-3).map((s) => s.rssMiB));
    const fds = afterWarmUp.map((s) => s.openFds);
    const sockets = afterWarmUp.map((s) => s.sockets);
    const growth = (values: number[]) => median(values.slice(-3)) - median(values.slice(0, 3));
    const fdGrowth = growth(fds);
    const socketGrowth = growth(sockets);
    const figures: Figure[] = [
      {
        scenario: 'soak',
        id: 'soak.mounts',
        label: `mounts (${podCount} pods, ${rounds} rounds, concurrency ${concurrency})`,
        value: done,
        unit: '',
      },
      {
        scenario: 'soak',
        id: 'soak.errors',
        label: 'errors',
        value: errors,
        unit: '',
        target: '0',
        met: errors === 0,
      },
      {
        scenario: 'soak',
        id: 'soak.mountsPerSecond',
        label: 'mounts/s overall',
        value: done / samples.at(-1)!.seconds,
        unit: '/s',
      },
      {
        scenario: 'soak',
        id: 'soak.rssAfterWarmUpMiB',
        label: `RSS after warm-up (median of rounds ${warmRounds + 1}–${warmRounds + 3})`,
        value: baseline,
        unit: 'MiB',
      },
      {
        scenario: 'soak',
        id: 'soak.rssEndMiB',
        label: 'RSS at the end (median of the last 3 rounds)',
        value: end,
        unit: 'MiB',
      },
      {
        scenario: 'soak',
        id: 'soak.rssGrowthMiB',
        label: 'RSS growth after warm-up',
        value: end - baseline,
        unit: 'MiB',
        target: '< 10 MiB',
        met: end - baseline < 10,
      },
      {
        scenario: 'soak',
        id: 'soak.rssMaxMiB',
        label: 'highest RSS sampled',
        value: Math.max(...samples.map((s) => s.rssMiB)),
        unit: 'MiB',
      },
      {
        scenario: 'soak',
        id: 'soak.fdGrowth',
        label: `open fds: growth after warm-up (medians of 3 rounds; range ${Math.min(...fds)}–${Math.max(...fds)})`,
        value: fdGrowth,
        unit: '',
        target: '≤ 5 (stable)',
        met: fdGrowth <= 5,
      },
      {
        scenario: 'soak',
        id: 'soak.socketGrowth',
        label: `sockets: growth after warm-up (medians of 3 rounds; range ${Math.min(...sockets)}–${Math.max(...sockets)})`,
        value: socketGrowth,
        unit: '',
        target: '≤ 5 (stable)',
        met: socketGrowth <= 5,
      },
      {
        scenario: 'soak',
        id: 'soak.nmiCalls',
        label: `NMI calls (pod restarts and token expiry, lifetime ${tokenLifetimeSeconds} s)`,
        value: nmiCounts.calls,
        unit: '',
      },
      {
        scenario: 'soak',
        id: 'soak.exitCode',
        label: 'daemon exit code after SIGTERM',
        value: exit.code ?? -1,
        unit: '',
        target: '0',
        met: exit.code === 0,
      },
      {
        scenario: 'soak',
        id: 'soak.audit',
        label: `secret values/tokens/private keys in ${(scanned / 1024).toFixed(0)} KiB of daemon output`,
        value: auditFindings,
        unit: '',
        target: '0',
        met: auditFindings === 0,
      },
    ];
    if (firstError) log(`first error: ${firstError}`);
    return {
      machine: machineInfo(),
      options: {
        mounts,
        pods: podCount,
        concurrency,
        restartFraction,
        tokenLifetimeSeconds,
        ...(options.chart ? { chart: options.chart } : {}),
      },
      samples,
      figures,
      durationSeconds: (performance.now() - began) / 1000,
    };
  } finally {
    await daemon?.stop('SIGKILL');
    await Promise.allSettled([nmi.stop(), kv.stop()]);
    rmSync(workDir, { recursive: true, force: true });
  }
}
