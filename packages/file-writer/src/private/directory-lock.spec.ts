import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir, readText, text } from '../../test/support/target-dir.js';
import { FileWriter, type FileWriterEvent, writeAtomically } from '../file-writer.js';
import { FileWriterError } from '../file-writer-error.js';
import { currentOwner, type LockOwner } from './process-identity.js';

let temp: { path: string; remove: () => void };
let target: string;

beforeEach(() => {
  temp = makeTempDir();
  target = join(temp.path, 'target');
  mkdirSync(target);
});
afterEach(() => temp.remove());

const payload = (value: string) => [{ path: 'a', mode: 0o644, contents: text(value) }];

/** A pid that certainly belonged to a process and is now gone (spawnSync reaps its child). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  return child.pid as number;
}

function plantLock(owner: LockOwner, nonce = '0123456789abcdef'): void {
  mkdirSync(join(target, '..lock'));
  writeFileSync(join(target, '..lock', nonce), JSON.stringify(owner));
}

async function lockError(promise: Promise<unknown>): Promise<FileWriterError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FileWriterError);
  return error as FileWriterError;
}

describe('cross-process lock', () => {
  it('takes over a lock whose holder died (SIGKILL leaves its record behind)', async () => {
    plantLock({ ...currentOwner(Date.now()), pid: deadPid(), startTime: null });
    const started = Date.now();
    await writeAtomically(target, payload('1'), { lockTimeoutMs: 5_000 });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(readText(join(target, 'a'))).toBe('1');
    expect(existsSync(join(target, '..lock'))).toBe(false);
  });

  it('recognises a reused pid by its start time', async () => {
    plantLock({ ...currentOwner(Date.now()), startTime: '1' });
    await writeAtomically(target, payload('1'), { lockTimeoutMs: 5_000 });
    expect(readText(join(target, 'a'))).toBe('1');
  });

  it('waits for a live holder, then fails with LOCK_TIMEOUT naming it, leaving its lock alone', async () => {
    plantLock(currentOwner(Date.now()));
    const events: FileWriterEvent[] = [];
    const error = await lockError(
      new FileWriter({ onEvent: (e) => events.push(e) }).write(target, payload('1'), { lockTimeoutMs: 150 }),
    );
    expect(error.code).toBe('LOCK_TIMEOUT');
    expect(error.message).toBe(
      `timed out after 150 ms waiting for the lock ${join(target, '..lock')} held by pid ${process.pid} on ${currentOwner(0).host}`,
    );
    expect(events.some((e) => e.type === 'lock-wait' && e.holderPid === process.pid)).toBe(true);
    expect(readdirSync(target)).toEqual(['..lock']);
    expect(readdirSync(join(target, '..lock'))).toEqual(['0123456789abcdef']);
  });

  it('presumes a holder in another pid namespace abandoned only after staleLockMs', async () => {
    const foreign = { ...currentOwner(Date.now()), pid: 1, pidNamespace: 'pid:[1]' };
    plantLock(foreign);
    expect((await lockError(writeAtomically(target, payload('1'), { lockTimeoutMs: 100 }))).code).toBe(
      'LOCK_TIMEOUT',
    );
    await writeAtomically(target, payload('1'), { lockTimeoutMs: 2_000, staleLockMs: 50 });
    expect(readText(join(target, 'a'))).toBe('1');
  });

  it('fails with LOCK_FAILED when ..lock is not a directory', async () => {
    writeFileSync(join(target, '..lock'), '');
    const error = await lockError(writeAtomically(target, payload('1')));
    expect(error.code).toBe('LOCK_FAILED');
    expect(readdirSync(target)).toEqual(['..lock']);
  });

  it('removes staging directories of contenders that died while waiting', async () => {
    const staging = join(target, `..lock.${deadPid()}.fedcba9876543210`);
    mkdirSync(staging);
    writeFileSync(
      join(staging, 'fedcba9876543210'),
      JSON.stringify({ ...currentOwner(Date.now()), pid: deadPid(), startTime: null }),
    );
    const result = await writeAtomically(target, payload('1'));
    expect(result.leftoversRemoved).toBe(1);
    expect(readdirSync(target).sort()).toEqual([result.dataDirectory, '..data', 'a']);
  });

  it('judges a staging directory without a complete record by the pid in its name', async () => {
    const dead = `..lock.${deadPid()}.00000000000000aa`;
    const live = `..lock.${process.pid}.00000000000000bb`;
    mkdirSync(join(target, dead));
    writeFileSync(join(target, dead, '00000000000000aa'), '{"pid":');
    mkdirSync(join(target, live));
    const result = await writeAtomically(target, payload('1'));
    expect(result.leftoversRemoved).toBe(1);
    expect(readdirSync(target).sort()).toEqual([result.dataDirectory, live, '..data', 'a'].sort());
  });
});

describe('serialisation inside one process', () => {
  it('writers with separate instances never overlap (the ..lock serialises them)', async () => {
    let inside = 0;
    let maxInside = 0;
    const onEvent = (event: FileWriterEvent): void => {
      if (event.type === 'lock-acquired') maxInside = Math.max(maxInside, ++inside);
      if (event.type === 'lock-releasing') inside--;
    };
    const writers = Array.from({ length: 4 }, () => new FileWriter({ onEvent }));
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        writers[i % 4]?.write(target, [...payload(`v${i}`), ...payload2(i)]),
      ),
    );
    expect(maxInside).toBe(1);
    const dataDir = readlinkSync(join(target, '..data'));
    expect(readdirSync(target).sort()).toEqual([dataDir, '..data', 'a', 'b']);
    expect(readText(join(target, 'a')).slice(1)).toBe(readText(join(target, 'b')));
  });

  it('writes through one instance queue in call order: the last call wins', async () => {
    const writer = new FileWriter();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => writer.write(target, payload(`v${i}`))),
    );
    expect(results.every((r) => r.changed)).toBe(true);
    expect(readText(join(target, 'a'))).toBe('v19');
  });
});

function payload2(i: number) {
  return [{ path: 'b', mode: 0o644, contents: text(String(i)) }];
}
