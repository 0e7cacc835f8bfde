// Emulator throughput: authorised secret GETs per second, direct (keep-alive) and through the
// CONNECT proxy (one tunnel + TLS handshake per request, as the SDK does behind HTTPS_PROXY).
// Run after `npx tsc --build tools/keyvault-emulator/tsconfig.lib.json`:
//   node tools/keyvault-emulator/bench/throughput.mjs
import { request as httpRequest } from 'node:http';
import { Agent, request as httpsRequest } from 'node:https';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSecureContext, connect as tlsConnect } from 'node:tls';
import { issueTestToken } from '@keyvault-csi/test-tokens';
import { ensureTestTls, KeyVaultEmulator } from '../dist/index.js';

const tls = await ensureTestTls(join(tmpdir(), 'keyvault-csi-bench-tls'));
const kv = await KeyVaultEmulator.start({ tlsDir: tls.dir });
kv.vault('kv-bench')
  .grant('bench', { secrets: ['get'] })
  .setSecret('s', 'x'.repeat(64));
const { token } = issueTestToken({ audience: 'https://vault.azure.net', clientId: 'bench' });
const path = '/secrets/s/?api-version=2025-07-01';
const headers = { authorization: `Bearer ${token}` };

const agent = new Agent({ keepAlive: true, ca: tls.caCertPem, maxSockets: 16 });
function direct() {
  return new Promise((resolve, reject) => {
    httpsRequest(`${kv.url}${path}`, { agent, headers }, (res) => {
      res.resume();
      res.on('end', () =>
        res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`)),
      );
    })
      .on('error', reject)
      .end();
  });
}

const clientContext = createSecureContext({ ca: tls.caCertPem });
function proxied() {
  return new Promise((resolve, reject) => {
    const req = httpRequest(kv.proxyUrl, { method: 'CONNECT', path: 'kv-bench.vault.azure.net:443' });
    req.on('connect', (_res, socket) => {
      const secure = tlsConnect(
        { socket, servername: 'kv-bench.vault.azure.net', secureContext: clientContext },
        () => {
          httpsRequest(
            `https://kv-bench.vault.azure.net${path}`,
            { createConnection: () => secure, headers: { ...headers, connection: 'close' } },
            (res) => {
              res.resume();
              res.on('end', () =>
                res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`)),
              );
            },
          )
            .on('error', reject)
            .end();
        },
      );
      secure.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

async function measure(run, total, concurrency) {
  let next = 0;
  const worker = async () => {
    while (next++ < total) await run();
  };
  await Promise.all(Array.from({ length: 20 }, () => run())); // warm-up
  const start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return total / seconds;
}

const directRate = await measure(direct, 4000, 16);
const proxiedRate = await measure(proxied, 600, 16);
agent.destroy();
await kv.stop();

const rows = [
  ['authorised GET, direct HTTPS keep-alive (16 in flight)', directRate, 1000],
  ['authorised GET, CONNECT tunnel + TLS per request (16 in flight)', proxiedRate, 100],
];
const lines = [
  '### keyvault-emulator: request throughput',
  '',
  `Machine: ${cpus()[0]?.model ?? 'unknown'} × ${cpus().length} cores, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}, load average ${loadavg()[0]?.toFixed(1)}.`,
  'Client and emulator share one process, so the tunnel row pays both TLS handshakes. Targets keep the emulator from being the bottleneck of the fetcher benchmarks and e2e.',
  '',
  '| workload | requests/s | target |',
  '|---|---:|---:|',
  ...rows.map(([name, rate, target]) => `| ${name} | ${Math.round(rate)} | ≥ ${target} |`),
  '',
];
process.stdout.write(lines.join('\n'));
