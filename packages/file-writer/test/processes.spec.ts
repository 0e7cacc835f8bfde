import { type ChildProcess, spawn } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileWriter } from '../src/index.js';
import { makeTempDir, readText, TIMESTAMPED } from './support/target-dir.js';

const CHILD = fileURLToPath(new URL('./support/writer-child.mjs', import.meta.url));
const BASE = existsSync('/dev/shm') ? '/dev/shm' : undefined;

let temp: { path: string; remove: () => void };
let target: string;
const children: ChildProcess[] = [];

beforeEach(() => {
  temp = makeTempDir('file-writer-proc-', BASE);
  target = join(temp.path, 'target');
  mkdirSync(target);
});
afterEach(() => {
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  temp.remove();
});

function startChild(args: string[]): {
  child: ChildProcess;
  exit: Promise<{ code: number | null; stderr: string }>;
} {
  const child = spawn(process.execPath, [CHILD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exit = new Promise<{ code: number | null; stderr: string }>((resolve) => {
    child.once('exit', (code) => resolve({ code, stderr }));
  });
  return { child, exit };
}

function waitForLine(child: ChildProcess, line: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(
      () => reject(new Error(`child did not print ${line} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    child.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes(`${line}\n`)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', () => reject(new Error(`child exited before printing ${line}`)));
  });
}

describe('across processes', () => {
  it('writers in separate processes never hold the target at the same time', async () => {
    const log = join(temp.path, 'lock.log');
    writeFileSync(log, '');
    const runs = ['p', 'q', 'r'].map((id) => startChild(['serial', target, id, '25', log]));
    for (const run of runs) expect(await run.exit).toEqual({ code: 0, stderr: '' });

    const entries = readFileSync(log, 'utf8').trim().split('\n');
    expect(entries).toHaveLength(3 * 25 * 2);
    for (let i = 0; i < entries.length; i += 2) {
      expect(entries[i]?.startsWith('+'), `entry ${i}`).toBe(true);
      expect(entries[i + 1], `entry ${i + 1}`).toBe(`-${entries[i]?.slice(1)}`);
    }
    expect(new Set(entries.map((e) => e.slice(1))).size).toBe(3);
    expect(readText(join(target, 'a'))).toBe(readText(join(target, 'b')));
    expect(readdirSync(target).sort()).toEqual([readlinkSync(join(target, '..data')), '..data', 'a', 'b']);
  });
});

/** The set under `..data`: every file present and complete, all of one generation. */
function checkOneCompleteSet(dir: string): string {
  const dataDir = readlinkSync(join(dir, '..data'));
  expect(dataDir).toMatch(TIMESTAMPED);
  const root = join(dir, dataDir);
  expect(lstatSync(root).isDirectory()).toBe(true);
  const names = [
    'a',
    'b',
    'sub/c',
    ...Array.from({ length: 20 }, (_, i) => `f/${String(i).padStart(2, '0')}`),
  ];
  const extras = readdirSync(root).filter((name) => name.startsWith('extra-'));
  expect(extras).toHaveLength(1);
  const generations = new Set<string>();
  for (const name of [...names, ...extras]) {
    const lines = readFileSync(join(root, name), 'utf8').split('\n');
    expect(lines.pop()).toBe('');
    expect(new Set(lines).size, `${name} is complete`).toBe(1);
    expect(lines.length * ((lines[0]?.length ?? 0) + 1), `${name} size`).toBeGreaterThanOrEqual(4096);
    generations.add(lines[0] as string);
  }
  expect(generations.size).toBe(1);
  expect(readdirSync(root).sort()).toEqual(['a', 'b', extras[0], 'f', 'sub'].sort());
  expect(readText(join(dir, 'a'))).toBe(readText(join(root, 'a')));
  return dataDir;
}

describe('failures', () => {
  it('a write that fails half-way (file size limit: EFBIG) leaves the previous set intact and no debris', async () => {
    const writer = new FileWriter();
    await writer.write(target, [
      { path: 'a', mode: 0o644, contents: new TextEncoder().encode('old a') },
      { path: 'b', mode: 0o644, contents: new TextEncoder().encode('old b') },
    ]);
    const before = readdirSync(target).sort();
    // A real failure of the filesystem call, without root's immunity to permissions: RLIMIT_FSIZE
    // at 1 KiB with SIGXFSZ ignored makes write() fail with EFBIG.
    const child = spawn(
      '/bin/sh',
      ['-c', `trap '' XFSZ; ulimit -f 2; exec "$0" "$@"`, process.execPath, CHILD, 'big', target],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    children.push(child);
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    await new Promise((resolve) => child.once('exit', resolve));

    const outcome = JSON.parse(out) as { code: string; message: string; errno: string };
    expect(outcome.code).toBe('IO');
    expect(outcome.errno).toBe('EFBIG');
    expect(outcome.message).toMatch(/^cannot write .*\/\.\.\d{4}_.*\/a: EFBIG$/);
    expect(readdirSync(target).sort()).toEqual(before);
    expect(readText(join(target, 'a'))).toBe('old a');
    expect(readText(join(target, 'b'))).toBe('old b');
  });
});

describe('crash safety', () => {
  it('SIGKILL at random points always leaves one complete set; the next writer recovers and cleans up', async () => {
    const rounds = 6;
    let roundsLeavingDebris = 0;
    for (let round = 0; round < rounds; round++) {
      const { child, exit } = startChild(['loop', target]);
      // The first write of each child also proves it got past the previous child's dead lock.
      await waitForLine(child, 'first', 15_000);
      await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 150));
      child.kill('SIGKILL');
      const { code } = await exit;
      expect(code).toBeNull();

      const dataDir = checkOneCompleteSet(target);
      const debris = readdirSync(target).filter(
        (name) => name.startsWith('..') && name !== '..data' && name !== dataDir,
      );
      if (debris.length > 0) roundsLeavingDebris++;
    }
    // Nearly every kill lands inside a write (the child does nothing else), leaving a lock, a
    // half-written directory or ..data_tmp behind; the next child had to cope with them.
    expect(roundsLeavingDebris).toBeGreaterThan(0);

    const result = await new FileWriter({ lockTimeoutMs: 5_000 }).write(target, [
      { path: 'a', mode: 0o644, contents: new TextEncoder().encode('final') },
      { path: 'sub/c', mode: 0o644, contents: new TextEncoder().encode('final') },
    ]);
    expect(result.changed).toBe(true);
    expect(readdirSync(target).sort()).toEqual([result.dataDirectory, '..data', 'a', 'sub']);
    expect(readText(join(target, 'sub/c'))).toBe('final');
  }, 120_000);
});
