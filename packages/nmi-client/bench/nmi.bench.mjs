// NMI client benchmark: single-flight and cache figures against the fake NMI over real HTTP.
// Build first: npx tsc --build packages/nmi-client/tsconfig.lib.json tools/fake-nmi/tsconfig.lib.json
// Run: node packages/nmi-client/bench/nmi.bench.mjs  (prints a Markdown section)
import os from 'node:os';
import { FakeNmi } from '@keyvault-csi/fake-nmi';
import { NmiClient } from '../dist/index.js';

const SCOPE = 'https://vault.azure.net/.default';
const ROUNDS = 20;
const CONCURRENT = 100;
const CACHED_CALLS = 50_000;
const UNCACHED_CALLS = 500;

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function micros(ns) {
  return `${(Number(ns) / 1000).toFixed(1)} µs`;
}

function millis(ns) {
  return `${(Number(ns) / 1e6).toFixed(2)} ms`;
}

const nmi = await FakeNmi.start({
  bindings: [{ namespace: 'bench', podName: 'web-0', clientId: 'bench-client-0001' }],
});
const client = new NmiClient({ endpoint: nmi.url });
const pod = { namespace: 'bench', name: 'web-0', uid: 'uid-0' };

// 1. Single-flight: 100 concurrent getToken for one pod, cold cache, NMI answering after 20 ms.
const callsPerRound = [];
for (let round = 0; round < ROUNDS; round++) {
  client.clearCache();
  nmi.resetLog();
  nmi.injectFaults({ delayMs: 20 });
  await Promise.all(Array.from({ length: CONCURRENT }, () => client.credentialFor({ pod }).getToken(SCOPE)));
  callsPerRound.push(nmi.calls);
}
const maxCalls = Math.max(...callsPerRound);

// 2. Cached getToken latency.
const credential = client.credentialFor({ pod });
await credential.getToken(SCOPE);
for (let i = 0; i < 5_000; i++) await credential.getToken(SCOPE);
const cached = new Array(CACHED_CALLS);
for (let i = 0; i < CACHED_CALLS; i++) {
  const start = process.hrtime.bigint();
  await credential.getToken(SCOPE);
  cached[i] = process.hrtime.bigint() - start;
}
cached.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

// 3. Uncached getToken (one NMI round trip over the keep-alive pool): a new pod uid each time.
nmi.resetLog();
const uncached = new Array(UNCACHED_CALLS);
for (let i = 0; i < UNCACHED_CALLS; i++) {
  const start = process.hrtime.bigint();
  await client.credentialFor({ pod: { ...pod, uid: `uid-${i + 1}` } }).getToken(SCOPE);
  uncached[i] = process.hrtime.bigint() - start;
}
uncached.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
const uncachedCalls = nmi.calls;

await client.close();
await nmi.stop();

/** A Markdown table with padded columns, as the workspace formatter writes them. */
function table(rows) {
  const widths = rows[0].map((_, c) => Math.max(3, ...rows.map((row) => row[c].length)));
  const line = (cells) => `| ${cells.map((cell, c) => cell.padEnd(widths[c])).join(' | ')} |`;
  return [line(rows[0]), line(widths.map((w) => '-'.repeat(w))), ...rows.slice(1).map(line)];
}

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
const lines = [
  '### nmi-client',
  '',
  `Machine: ${cpu}, ${os.cpus().length} cores; Node ${process.version}; ${new Date().toISOString().slice(0, 10)}.`,
  'Fake NMI (`tools/fake-nmi`) over real HTTP on 127.0.0.1, same process.',
  '',
  ...table([
    ['figure', 'value', 'target'],
    [
      `NMI calls for ${CONCURRENT} concurrent getToken on one pod (worst of ${ROUNDS} cold rounds)`,
      `${maxCalls}`,
      '1',
    ],
    [
      `cached getToken latency, median (${CACHED_CALLS} calls)`,
      micros(percentile(cached, 50)),
      '≤ 10 µs (no I/O)',
    ],
    ['cached getToken latency, p99', micros(percentile(cached, 99)), '—'],
    [
      `uncached getToken (one NMI round trip), median (${UNCACHED_CALLS} calls, ${uncachedCalls} NMI calls)`,
      millis(percentile(uncached, 50)),
      '—',
    ],
    ['uncached getToken, p99', millis(percentile(uncached, 99)), '—'],
  ]),
  '',
];
process.stdout.write(lines.join('\n'));
if (maxCalls !== 1) process.exitCode = 1;
