// File writer benchmark: write 100 files of 4 KiB (first write, update) and apply an unchanged set.
// Build first: npx tsc --build packages/file-writer/tsconfig.lib.json
// Run: node packages/file-writer/bench/write.bench.mjs [--out docs/bench/file-writer.md]
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { FileWriter } from '../dist/index.js';

const FILES = 100;
const SIZE = 4096;
const RUNS = 15;
const UNCHANGED_RUNS = 50;

function payload() {
  return Array.from({ length: FILES }, (_, i) => ({
    path: i < 50 ? `file-${String(i).padStart(3, '0')}` : `dir-${i % 5}/file-${i}`,
    mode: 0o644,
    contents: randomBytes(SIZE),
  }));
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function timed(action) {
  const start = process.hrtime.bigint();
  const result = await action();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, result };
}

/** Medians for one filesystem and fsync setting. */
async function measure(base, fsync) {
  const root = mkdtempSync(join(base, 'file-writer-bench-'));
  const writer = new FileWriter({ fsync });
  const first = [];
  const update = [];
  const unchanged = [];
  try {
    for (let run = 0; run < RUNS; run++) {
      const target = join(root, `t${run}`);
      mkdirSync(target);
      const a = await timed(() => writer.write(target, payload()));
      if (!a.result.changed) throw new Error('first write reported no change');
      first.push(a.ms);
      const files = payload();
      const b = await timed(() => writer.write(target, files));
      if (!b.result.changed) throw new Error('update reported no change');
      update.push(b.ms);
      if (run === 0) {
        for (let i = 0; i < UNCHANGED_RUNS; i++) {
          const c = await timed(() => writer.write(target, files));
          if (c.result.changed) throw new Error('unchanged set reported a change');
          unchanged.push(c.ms);
        }
      }
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return { first: median(first), update: median(update), unchanged: median(unchanged) };
}

const ms = (value) => `${value.toFixed(1)} ms`;
const loadBefore = os.loadavg()[0];
const disk = await measure(os.tmpdir(), true);
const shm = existsSync('/dev/shm') ? await measure('/dev/shm', true) : undefined;
const shmNoSync = existsSync('/dev/shm') ? await measure('/dev/shm', false) : undefined;

const rows = [
  ['first write, 100 × 4 KiB, fsync, disk (os.tmpdir())', disk.first, undefined],
  ['update (all 100 changed), fsync, disk', disk.update, undefined],
  ['unchanged set (no filesystem change), disk', disk.unchanged, undefined],
];
if (shm && shmNoSync) {
  rows.push(
    ['first write, 100 × 4 KiB, fsync, tmpfs (/dev/shm)', shm.first, 50],
    ['update (all 100 changed), fsync, tmpfs', shm.update, 50],
    ['unchanged set, tmpfs', shm.unchanged, 10],
    ['first write, 100 × 4 KiB, fsync: false, tmpfs', shmNoSync.first, 50],
    ['update, fsync: false, tmpfs', shmNoSync.update, 50],
  );
}
const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
const lines = [
  '### file-writer',
  '',
  `Machine: ${cpu}, ${os.cpus().length} cores; Node ${process.version}; ${new Date().toISOString().slice(0, 10)};`,
  `load average ${loadBefore.toFixed(1)} before, ${os.loadavg()[0].toFixed(1)} after (a shared machine: expect noise).`,
  `Medians of ${RUNS} runs (unchanged set: ${UNCHANGED_RUNS} runs); each run a fresh target; 50 top-level files and`,
  '50 files in 5 subdirectories; random contents. "disk" is ext4 under os.tmpdir(); tmpfs is /dev/shm,',
  "what kubelet mounts at a CSI target path, so the targets (this package's own) are set there; on disk",
  'the 100 per-file fsyncs (durability guarantee) dominate and depend on the device.',
  '',
  '| figure | value | target |',
  '| --- | --- | --- |',
  ...rows.map(
    ([figure, value, target]) => `| ${figure} | ${ms(value)} | ${target ? `≤ ${target} ms` : '—'} |`,
  ),
  '',
];
const markdown = lines.join('\n');
process.stdout.write(markdown);

const outIndex = process.argv.indexOf('--out');
if (outIndex !== -1) {
  const out = process.argv[outIndex + 1];
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, markdown);
}
