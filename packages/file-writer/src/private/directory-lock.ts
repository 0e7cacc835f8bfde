import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, rename, rmdir, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { FileWriterError, ioError } from '../file-writer-error.js';
import { errnoOf, removeTree } from './fs-ops.js';
import { LOCK_NAME } from './layout.js';
import { currentOwner, type LockOwner, ownerIsGone, parseOwner } from './process-identity.js';

/**
 * `..lock.<pid>.<nonce>`: a contender's private copy of the lock, renamed onto `..lock` to take it.
 * The pid is in the name because a contender killed before its record is complete leaves nothing
 * else to judge by.
 */
const STAGING = /^\.\.lock\.(\d+)\.([0-9a-f]{16})$/;

export interface DirectoryLockOptions {
  /** Give up waiting after this long (LOCK_TIMEOUT). */
  readonly timeoutMs: number;
  /** A holder we cannot inspect (other host or pid namespace) is presumed dead after this long. */
  readonly staleAfterMs: number;
  readonly onWait?: (holder: LockOwner | undefined) => void;
}

/**
 * Cross-process lock on a target directory.
 *
 * The lock is the directory `<target>/..lock` holding one file named by the holder's random nonce
 * with the holder's identity (pid, start time, pid namespace, boot id, host). A contender builds
 * that directory privately as `..lock.<pid>.<nonce>` and renames it onto `..lock`: rename succeeds only
 * if `..lock` is absent or an empty directory, so taking the lock is one atomic step and a held
 * lock is never empty. A contender that finds the holder dead unlinks exactly that holder's file
 * (the nonce makes the name unique, so it can never remove a newer holder's file) and the next
 * rename replaces the now-empty directory. No step needs "delete if still the same file", which
 * POSIX cannot do atomically; that is why this is not a plain O_EXCL lock file.
 */
export class DirectoryLock {
  readonly #lockPath: string;
  readonly #ownerFile: string;
  #released = false;

  private constructor(lockPath: string, nonce: string) {
    this.#lockPath = lockPath;
    this.#ownerFile = join(lockPath, nonce);
  }

  static async acquire(targetDir: string, options: DirectoryLockOptions): Promise<DirectoryLock> {
    const nonce = randomBytes(8).toString('hex');
    const lockPath = join(targetDir, LOCK_NAME);
    const stagingPath = join(targetDir, `${LOCK_NAME}.${process.pid}.${nonce}`);
    const deadline = Date.now() + options.timeoutMs;
    let recordedAt = 0;
    let delayMs = 2;
    try {
      for (;;) {
        // Refreshed now and then so that the record's age means "held since", not "waiting since".
        if (Date.now() - recordedAt > 1000) {
          recordedAt = Date.now();
          await writeStaging(stagingPath, nonce, currentOwner(recordedAt));
        }
        try {
          await rename(stagingPath, lockPath);
          return new DirectoryLock(lockPath, nonce);
        } catch (error) {
          const errno = errnoOf(error);
          if (errno === 'ENOENT') {
            // Our staging directory was judged abandoned and removed (a pid check across pid
            // namespaces can misjudge): build it again.
            recordedAt = 0;
            continue;
          }
          if (errno === 'ENOTDIR' || errno === 'EISDIR') {
            throw new FileWriterError(
              'LOCK_FAILED',
              `cannot lock ${lockPath}: it exists and is not a directory`,
              {
                path: lockPath,
                cause: error,
              },
            );
          }
          if (errno !== 'ENOTEMPTY' && errno !== 'EEXIST') throw ioError('cannot take lock', lockPath, error);
        }
        const holder = await breakIfAbandoned(lockPath, options.staleAfterMs);
        if (holder === 'broken' && Date.now() < deadline) continue;
        if (Date.now() >= deadline) {
          const who =
            holder === undefined || holder === 'broken'
              ? 'an unknown holder'
              : `pid ${holder.pid} on ${holder.host}`;
          throw new FileWriterError(
            'LOCK_TIMEOUT',
            `timed out after ${options.timeoutMs} ms waiting for the lock ${lockPath} held by ${who}`,
            { path: lockPath },
          );
        }
        options.onWait?.(holder === 'broken' ? undefined : holder);
        await sleep(delayMs * (0.5 + Math.random()));
        delayMs = Math.min(delayMs * 1.5, 50);
      }
    } catch (error) {
      await removeTree(stagingPath).catch(() => undefined);
      throw error;
    }
  }

  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    try {
      await unlink(this.#ownerFile);
    } catch (error) {
      // ENOENT: someone judged us abandoned and broke the lock; nothing of ours is left to remove.
      if (errnoOf(error) !== 'ENOENT') throw ioError('cannot release lock', this.#ownerFile, error);
    }
    await rmdirIfEmpty(this.#lockPath);
  }
}

async function writeStaging(stagingPath: string, nonce: string, owner: LockOwner): Promise<void> {
  try {
    await mkdir(stagingPath, { mode: 0o700 });
  } catch (error) {
    if (errnoOf(error) !== 'EEXIST') throw ioError('cannot create lock', stagingPath, error);
  }
  try {
    await writeFile(join(stagingPath, nonce), JSON.stringify(owner), { mode: 0o600 });
  } catch (error) {
    throw ioError('cannot write lock', stagingPath, error);
  }
}

async function rmdirIfEmpty(path: string): Promise<void> {
  try {
    await rmdir(path);
  } catch (error) {
    // ENOTEMPTY/EEXIST: the next holder already renamed its lock onto the empty directory.
    const errno = errnoOf(error);
    if (errno !== 'ENOENT' && errno !== 'ENOTEMPTY' && errno !== 'EEXIST') {
      throw ioError('cannot remove lock', path, error);
    }
  }
}

async function readOwner(
  file: string,
): Promise<{ owner: LockOwner | undefined; mtimeMs: number } | undefined> {
  try {
    const stats = await lstat(file);
    if (!stats.isFile()) return { owner: undefined, mtimeMs: stats.mtimeMs };
    return { owner: parseOwner(await readFile(file, 'utf8')), mtimeMs: stats.mtimeMs };
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return undefined;
    throw ioError('cannot read lock', file, error);
  }
}

/**
 * Inspects the current holder. Removes the records of holders that are certainly gone and
 * returns 'broken' when the lock is free to retry; otherwise returns the live holder (if known).
 */
async function breakIfAbandoned(
  lockPath: string,
  staleAfterMs: number,
): Promise<LockOwner | undefined | 'broken'> {
  let entries: string[];
  try {
    entries = await readdir(lockPath);
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return 'broken';
    throw ioError('cannot read lock', lockPath, error);
  }
  let live: LockOwner | undefined;
  let anyLive = false;
  for (const entry of entries) {
    const file = join(lockPath, entry);
    const record = await readOwner(file);
    if (record === undefined) continue;
    const now = Date.now();
    const gone =
      record.owner === undefined
        ? now - record.mtimeMs > staleAfterMs
        : ownerIsGone(record.owner, now, staleAfterMs);
    if (gone) {
      await removeTree(file);
    } else {
      anyLive = true;
      live ??= record.owner;
    }
  }
  if (anyLive) return live;
  await rmdirIfEmpty(lockPath);
  return 'broken';
}

/**
 * Removes `..lock.<pid>.<nonce>` staging directories left by contenders that died while waiting.
 * Call only while holding the lock.
 */
export async function removeAbandonedLockStaging(
  targetDir: string,
  names: readonly string[],
  staleAfterMs: number,
): Promise<number> {
  let removed = 0;
  for (const name of names) {
    const match = STAGING.exec(name);
    if (match === null) continue;
    const pid = Number(match[1]);
    const stagingPath = join(targetDir, name);
    const record = await readOwner(join(stagingPath, match[2] as string));
    const now = Date.now();
    const gone =
      record?.owner !== undefined
        ? ownerIsGone(record.owner, now, staleAfterMs)
        : // Killed before its record was complete: only the pid in the name is left to judge by.
          !processExists(pid) || now - (record?.mtimeMs ?? now) > staleAfterMs;
    if (!gone) continue;
    await removeTree(stagingPath);
    removed++;
  }
  return removed;
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}
