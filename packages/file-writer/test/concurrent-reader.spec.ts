import { existsSync, mkdirSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { FileWriter } from '../src/index.js';
import { makeTempDir, readText, text } from './support/target-dir.js';

const UPDATES = 1000;
const LINES = 512;

/** `gen:0042\n` × 512 (4.5 KiB): every version has the same size, so nothing short-circuits on size. */
function generation(n: number): Uint8Array {
  return text(`gen:${String(n).padStart(4, '0')}\n`.repeat(LINES));
}

/**
 * Runs in a worker thread (a real second thread, sync reads in a tight loop). A consistent reader
 * resolves `..data` once and reads both files from that directory; if the writer removed that
 * directory meanwhile it starts over. It must never see a torn file, two generations at once, or
 * time going backwards. It also reads the visible `a`, which must always be a complete file.
 */
const READER = `
const { workerData, parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const path = require('node:path');
const { target, stopFlag, lines } = workerData;
const stop = new Int32Array(stopFlag);
const violations = [];
let snapshots = 0, retries = 0, visibleReads = 0, lastGen = -1;
const seen = new Set();
function parse(text) {
  const all = text.split('\\n');
  all.pop();
  if (all.length !== lines || new Set(all).size !== 1) return null;
  return Number(all[0].slice(4));
}
function missing(error) { return error && error.code === 'ENOENT'; }
while (Atomics.load(stop, 0) === 0) {
  let dir;
  try { dir = fs.readlinkSync(path.join(target, '..data')); } catch (e) { if (missing(e)) continue; throw e; }
  let a, b;
  try {
    a = parse(fs.readFileSync(path.join(target, dir, 'a'), 'utf8'));
    b = parse(fs.readFileSync(path.join(target, dir, 'b'), 'utf8'));
  } catch (e) { if (missing(e)) { retries++; continue; } throw e; }
  if (a === null || b === null) violations.push('torn file in ' + dir);
  else if (a !== b) violations.push('mixed generations ' + a + '/' + b + ' in ' + dir);
  else if (a < lastGen) violations.push('went back from ' + lastGen + ' to ' + a);
  else { lastGen = a; seen.add(a); }
  snapshots++;
  try {
    if (parse(fs.readFileSync(path.join(target, 'a'), 'utf8')) === null) violations.push('torn visible a');
    visibleReads++;
  } catch (e) { if (!missing(e)) throw e; }
}
parentPort.postMessage({ snapshots, retries, visibleReads, distinct: seen.size, violations: violations.slice(0, 5), violationCount: violations.length });
`;

interface ReaderReport {
  snapshots: number;
  retries: number;
  visibleReads: number;
  distinct: number;
  violations: string[];
  violationCount: number;
}

let temp: { path: string; remove: () => void };
let target: string;

beforeEach(() => {
  // CSI target paths are tmpfs; /dev/shm is one, and keeps 1,000 updates fast on a busy disk.
  temp = makeTempDir('file-writer-reader-', existsSync('/dev/shm') ? '/dev/shm' : undefined);
  target = join(temp.path, 'target');
  mkdirSync(target);
});
afterEach(() => temp.remove());

it(`a reader through ..data never sees a mixed or torn set during ${UPDATES} rapid updates`, async () => {
  const writer = new FileWriter();
  await writer.write(target, [
    { path: 'a', mode: 0o644, contents: generation(0) },
    { path: 'b', mode: 0o600, contents: generation(0) },
  ]);
  const stopFlag = new SharedArrayBuffer(4);
  const reader = new Worker(READER, { eval: true, workerData: { target, stopFlag, lines: LINES } });
  const report = new Promise<ReaderReport>((resolve, reject) => {
    reader.once('message', resolve);
    reader.once('error', reject);
  });

  for (let n = 1; n <= UPDATES; n++) {
    const result = await writer.write(target, [
      { path: 'a', mode: 0o644, contents: generation(n) },
      { path: 'b', mode: 0o600, contents: generation(n) },
    ]);
    expect(result.changed).toBe(true);
  }
  Atomics.store(new Int32Array(stopFlag), 0, 1);
  const seen = await report;
  await reader.terminate();

  expect(seen.violations).toEqual([]);
  expect(seen.violationCount).toBe(0);
  // The reader really ran alongside the writer: it observed many different generations.
  expect(seen.snapshots).toBeGreaterThan(100);
  expect(seen.distinct).toBeGreaterThan(20);
  expect(readText(join(target, 'b'))).toBe(new TextDecoder().decode(generation(UPDATES)));
  const dataDir = readlinkSync(join(target, '..data'));
  expect(readdirSync(target).sort()).toEqual([dataDir, '..data', 'a', 'b']);
}, 120_000);
