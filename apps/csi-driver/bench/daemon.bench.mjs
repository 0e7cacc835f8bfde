// Benchmark: the built daemon as a process — start-up to a served Version, idle RSS, and mounts of
// the example (secret1 + key1, pod identity) through the fake NMI and the Key Vault emulator reached
// as https://kv-demo.vault.azure.net via HTTPS_PROXY (the production code path).
// Run after: npx tsc --build apps/csi-driver/tsconfig.lib.json tools/fake-nmi/tsconfig.lib.json tools/keyvault-emulator/tsconfig.lib.json
import { spawn, spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { credentials, Metadata } from '@grpc/grpc-js';
import { FakeNmi } from '../../../tools/fake-nmi/dist/index.js';
import { ensureTestTls, KeyVaultEmulator } from '../../../tools/keyvault-emulator/dist/index.js';
import { CSIDriverProviderClient } from '../dist/proto.js';

const here = dirname(fileURLToPath(import.meta.url));
const MAIN = join(here, '..', 'dist', 'main.js');
const RUNS = 5;
const POD = {
  namespace: 'default',
  name: 'busybox-secrets-store-inline-podid',
  uid: '00000000-0000-4000-8000-000000000001',
};
const CLIENT_ID = 'demo-client-id';

// Node reads NODE_EXTRA_CA_CERTS only at start: make the test CA, then re-run once with it set.
if (!process.env.CSI_BENCH_TLS_DIR) {
  const tlsDir = mkdtempSync(join(os.tmpdir(), 'csi-bench-tls-'));
  const tls = await ensureTestTls(tlsDir);
  const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url)], {
    stdio: 'inherit',
    env: { ...process.env, CSI_BENCH_TLS_DIR: tlsDir, NODE_EXTRA_CA_CERTS: tls.caCertPath },
  });
  rmSync(tlsDir, { recursive: true, force: true });
  process.exit(child.status ?? 1);
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const ms = (value) => `${value.toFixed(0)} ms`;
const mib = (kib) => `${(kib / 1024).toFixed(1)} MiB`;
const rssKib = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
// utime + stime of a process in ms (clock ticks of 10 ms on Linux).
const cpuMs = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
};
const sleep = (t) => new Promise((resolve) => setTimeout(resolve, t));

function startDaemon(socketPath, extraArgs = [], env = {}) {
  const child = spawn(
    process.execPath,
    [
      MAIN,
      `--endpoint=unix://${socketPath}`,
      '--healthz-port=-1',
      '--prometheus-port=-1',
      '--log-format-json',
      ...extraArgs,
    ],
    { stdio: ['ignore', 'ignore', 'ignore'], env: { ...process.env, ...env } },
  );
  return child;
}

function call(client, method, request, timeoutMs = 30_000) {
  return new Promise((resolve, reject) =>
    client[method](
      request,
      new Metadata({ waitForReady: true }),
      { deadline: Date.now() + timeoutMs },
      (error, value) => (error ? reject(error) : resolve(value)),
    ),
  );
}

function waitForReadyClient(socketPath) {
  const config = JSON.stringify({
    methodConfig: [{ name: [{ service: 'v1alpha1.CSIDriverProvider' }], waitForReady: true }],
  });
  // grpc-js waits 1 s before its first reconnect when the socket is not there yet; that would be
  // measured as start-up time. Retry every 5 ms instead, so the figure is the daemon's own.
  return new CSIDriverProviderClient(`unix:${socketPath}`, credentials.createInsecure(), {
    'grpc.service_config': config,
    'grpc.initial_reconnect_backoff_ms': 5,
    'grpc.max_reconnect_backoff_ms': 5,
  });
}

async function stop(child) {
  const exited = once(child, 'exit');
  const at = performance.now();
  child.kill('SIGTERM');
  const [code] = await exited;
  return { code, ms: performance.now() - at };
}

// 1. Start-up to the first served Version, idle RSS, idle stop.
const startups = [];
const startupCpu = [];
const idleRss = [];
const stops = [];
for (let run = 0; run < RUNS; run++) {
  const dir = mkdtempSync(join(os.tmpdir(), 'csi-bench-'));
  const socketPath = join(dir, 'azure.sock');
  const client = waitForReadyClient(socketPath);
  const started = performance.now();
  const child = startDaemon(socketPath);
  await call(client, 'version', { version: 'v1alpha1' });
  startups.push(performance.now() - started);
  startupCpu.push(cpuMs(child.pid));
  await sleep(2000);
  idleRss.push(rssKib(child.pid));
  client.close();
  stops.push((await stop(child)).ms);
  rmSync(dir, { recursive: true, force: true });
}

// 2. Mounts of the example through fake NMI + emulator.
const nmi = await FakeNmi.start({
  bindings: [{ namespace: POD.namespace, podName: POD.name, clientId: CLIENT_ID }],
});
const kv = await KeyVaultEmulator.start({ tlsDir: process.env.CSI_BENCH_TLS_DIR });
const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
kv.addVault('kv-demo')
  .grant(CLIENT_ID, { secrets: ['get'], keys: ['get'] })
  .setSecret('secret1', 'Hello!');
kv.vault('kv-demo').setKey('key1', { pem: publicKey.export({ type: 'spki', format: 'pem' }) });
const dir = mkdtempSync(join(os.tmpdir(), 'csi-bench-'));
const socketPath = join(dir, 'azure.sock');
const client = waitForReadyClient(socketPath);
const child = startDaemon(socketPath, [`--nmi-endpoint=${nmi.url}`], {
  HTTPS_PROXY: kv.proxyUrl,
  NO_PROXY: '',
});
await call(client, 'version', { version: 'v1alpha1' });
const attributes = JSON.stringify({
  usePodIdentity: 'true',
  keyvaultName: 'kv-demo',
  tenantId: '72f988bf-0000-0000-0000-000000000000',
  objects:
    'array:\n  - |\n    objectName: secret1\n    objectType: secret\n    objectVersion: ""\n  - |\n    objectName: key1\n    objectType: key\n    objectVersion: ""\n',
  'csi.storage.k8s.io/pod.name': POD.name,
  'csi.storage.k8s.io/pod.namespace': POD.namespace,
  'csi.storage.k8s.io/pod.uid': POD.uid,
});
const mountRequest = {
  attributes,
  secrets: 'null',
  targetPath: '/x',
  permission: '420',
  currentObjectVersion: [],
};
let at = performance.now();
const first = await call(client, 'mount', mountRequest);
const firstMount = performance.now() - at;
const warm = [];
for (let i = 0; i < 20; i++) {
  at = performance.now();
  await call(client, 'mount', mountRequest);
  warm.push(performance.now() - at);
}
const afterMountsRss = rssKib(child.pid);
const nmiCalls = nmi.calls;
client.close();
await stop(child);
await Promise.all([nmi.stop(), kv.stop()]);
rmSync(dir, { recursive: true, force: true });
if (first.files.length !== 2) throw new Error(`expected 2 files, got ${first.files.length}`);

const lines = [
  '### csi-driver',
  '',
  `Machine: ${os.cpus()[0]?.model ?? 'unknown'}, ${os.cpus().length} cores; Node ${process.version}; ${new Date().toISOString().slice(0, 10)}; load average ${os.loadavg()[0].toFixed(1)} at the end.`,
  'The built `dist/main.js` as a child process; Key Vault emulator via HTTPS_PROXY, fake NMI on 127.0.0.1.',
  '',
  '| figure | value | target |',
  '| --- | --- | --- |',
  `| start-up to the first served Version (spawn → answer, median of ${RUNS}) | ${ms(median(startups))} | < 500 ms |`,
  `| … CPU time used by then (user + system, median of ${RUNS}; independent of the machine's load) | ${ms(median(startupCpu))} | — |`,
  `| idle RSS 2 s after start (median of ${RUNS}) | ${mib(median(idleRss))} | < 70 MiB |`,
  `| SIGTERM → exit when idle (median of ${RUNS}) | ${ms(median(stops))} | < 5 s |`,
  `| first mount of the example (secret1 + key1): NMI call, challenge, 2 GETs | ${ms(firstMount)} | — |`,
  `| warm mount of the example (token cached, client reused), median of 20 | ${ms(median(warm))} | — |`,
  `| NMI calls for those 21 mounts | ${nmiCalls} | 1 |`,
  `| RSS after the 21 mounts | ${mib(afterMountsRss)} | < 100 MiB |`,
  '',
];
const markdown = lines.join('\n');
process.stdout.write(markdown);
const out = join(here, '..', '..', '..', 'docs', 'bench');
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'csi-driver.md'), markdown);
