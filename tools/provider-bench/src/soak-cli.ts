#!/usr/bin/env node
// `npm run soak` → provider-soak [--mounts 20000] [--pods 500] [--no-write]: runs the soak and
// appends its result to docs/bench/provider-soak.md.
import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chartDaemonRuntime } from '@keyvault-csi/demo';
import { figureTable, textTable } from './figures.js';
import { runSoak, type SoakResult } from './soak.js';

const HEADER = `### provider soak

\`npm run soak\` (tools/provider-bench/src/soak-cli.ts): the built daemon, the fake NMI and the Key Vault
emulator as separate processes, as in the benchmark; 20,000 mounts across 500 pods in rounds (each
round is every pod's rotation poll). Targets (issue 7): RSS growth after warm-up under 10 MiB, open
file descriptors and sockets stable, token cache bounded (pods restarting with new uids make new
token-cache keys and SDK clients; tokens expire during the run). Each run appends a section; the last
one is the latest.
`;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const { values } = parseArgs({
  options: {
    mounts: { type: 'string', default: '20000' },
    pods: { type: 'string', default: '500' },
    'no-write': { type: 'boolean', default: false },
  },
});
const mounts = Number(values.mounts);
const pods = Number(values.pods);
if (!(Number.isInteger(mounts) && mounts > 0 && Number.isInteger(pods) && pods > 0)) {
  process.stderr.write('--mounts and --pods must be positive integers\n');
  process.exit(2);
}
const result = await runSoak({
  mounts,
  pods,
  chart: chartDaemonRuntime(),
  log: (line) => process.stderr.write(`${line}\n`),
});
process.stdout.write(`\n${textTable(result.figures)}\n`);
if (!values['no-write']) {
  const file = path.join(root, 'docs/bench/provider-soak.md');
  mkdirSync(path.dirname(file), { recursive: true });
  if (!existsSync(file)) writeFileSync(file, HEADER);
  appendFileSync(file, runSection(result));
  process.stdout.write(`appended to ${file}\n`);
}
process.exitCode = result.figures.some((f) => f.met === false) ? 1 : 0;

function runSection(result: SoakResult): string {
  const { machine, options } = result;
  const rows = result.samples
    .filter((_, i, all) => i % Math.max(1, Math.floor(all.length / 8)) === 0 || i === all.length - 1)
    .map(
      (s) =>
        `| ${s.mounts} | ${s.seconds.toFixed(0)} s | ${s.rssMiB.toFixed(1)} MiB | ${s.openFds} | ${s.sockets} | ${s.errors} |`,
    );
  return [
    '',
    `#### Run of ${machine.date.slice(0, 16).replace('T', ' ')} UTC`,
    '',
    `${machine.cpu}, ${machine.cores} cores; Node ${machine.node}; load average ${machine.loadAverage} at the end; ${result.durationSeconds.toFixed(0)} s. ${options.mounts} mounts of 2 secrets across ${options.pods} pods at concurrency ${options.concurrency}; ${Math.round(options.restartFraction * 100)} % of the pods restart (new uid) and one secret rotates every round; NMI tokens live ${options.tokenLifetimeSeconds} s (cached ${options.tokenLifetimeSeconds - 300} s); daemon run as the Helm chart runs it (${options.chart?.nodeOptions.join(' ') ?? 'Node defaults'}; ${Object.entries(
      options.chart?.env ?? {},
    )
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}).`,
    '',
    figureTable(result.figures),
    '',
    '| after mounts | elapsed | RSS | open fds | sockets | errors |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}
