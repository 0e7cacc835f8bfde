#!/usr/bin/env node
// `provider-bench [--scale 0.1] [--docs <dir>] [--no-write]`: runs every scenario and writes
// docs/bench/provider.md and docs/benchmarks.json (repository root by default).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chartDaemonRuntime } from '@keyvault-csi/demo';
import { writeBenchDocs } from './bench-report.js';
import { textTable } from './figures.js';
import { MISS_NOTES } from './miss-notes.js';
import { type ProviderBenchResult, runProviderBench } from './provider-bench.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const { values } = parseArgs({
  options: {
    scale: { type: 'string', default: '1' },
    docs: { type: 'string', default: path.join(root, 'docs') },
    'no-write': { type: 'boolean', default: false },
    /** Rewrite docs/bench/provider.md from a benchmarks.json (e.g. after editing the miss notes). */
    'from-json': { type: 'string' },
  },
});
if (values['from-json']) {
  const saved = JSON.parse(readFileSync(values['from-json'], 'utf8')).provider as ProviderBenchResult;
  writeBenchDocs(values.docs, saved, MISS_NOTES);
  process.stdout.write(
    `rewrote ${path.join(values.docs, 'bench/provider.md')} from ${values['from-json']}\n`,
  );
  process.exit(0);
}
const scale = Number(values.scale);
if (!(scale > 0 && scale <= 1)) {
  process.stderr.write(`--scale must be in (0, 1], got ${values.scale}\n`);
  process.exit(2);
}
const result = await runProviderBench({
  scale,
  chart: chartDaemonRuntime(),
  log: (line) => process.stderr.write(`${line}\n`),
});
process.stdout.write(`\n${textTable(result.figures)}\n`);
for (const note of result.notes) process.stdout.write(`note: ${note}\n`);
if (!values['no-write'] && scale === 1) {
  writeBenchDocs(values.docs, result, MISS_NOTES);
  process.stdout.write(`wrote ${path.join(values.docs, 'bench/provider.md')} and benchmarks.json\n`);
}
