import type { Stats } from 'node:fs';
import { close, constants, fchmod, fsync, open as openCallback, read, write } from 'node:fs';
import { lstat, open, readdir, readlink, rmdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ioError } from '../file-writer-error.js';

export function errnoOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/** `lstat`, or undefined when nothing is there. */
export async function lstatIfExists(path: string): Promise<Stats | undefined> {
  try {
    return await lstat(path);
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return undefined;
    throw ioError('cannot lstat', path, error);
  }
}

/** The link text of `path` if it is a symlink; null if it exists but is not; undefined if missing. */
export async function readlinkIfSymlink(path: string): Promise<string | null | undefined> {
  try {
    return await readlink(path);
  } catch (error) {
    const errno = errnoOf(error);
    if (errno === 'ENOENT') return undefined;
    if (errno === 'EINVAL') return null;
    throw ioError('cannot readlink', path, error);
  }
}

/** Runs `task` over `items` with at most `limit` in flight, keeping the libuv pool busy without flooding it. */
export async function forEachLimit<T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await task(item);
    }
  });
  await Promise.all(workers);
}

/**
 * Removes `path` and, if it is a real directory, everything below it. Every entry is `lstat`ed
 * first: a symlink is unlinked, never followed, so removal cannot escape the tree.
 */
export async function removeTree(path: string): Promise<void> {
  const stats = await lstatIfExists(path);
  if (stats === undefined) return;
  try {
    if (stats.isDirectory()) {
      const entries = await readdir(path);
      await forEachLimit(entries, 16, (entry) => removeTree(join(path, entry)));
      await rmdir(path);
    } else {
      await unlink(path);
    }
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return;
    if (error instanceof Error && error.name === 'FileWriterError') throw error;
    throw ioError('cannot remove', path, error);
  }
}

/** Flushes a directory's entries to disk (open O_RDONLY|O_DIRECTORY, fsync). */
export async function fsyncDirectory(path: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
    await handle.sync();
  } catch (error) {
    throw ioError('cannot fsync directory', path, error);
  } finally {
    await handle?.close();
  }
}

/**
 * Reads exactly `length` bytes from the start of `path` (opened with O_NOFOLLOW), or returns
 * undefined if the file is shorter. Callback style on purpose: one promise per file instead of one
 * per call makes the unchanged-set check of a large set several times cheaper.
 */
export function readExactly(path: string, length: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    openCallback(path, constants.O_RDONLY | constants.O_NOFOLLOW, (openError, fd) => {
      if (openError) {
        reject(openError);
        return;
      }
      const buffer = Buffer.allocUnsafe(length);
      const finish = (error: NodeJS.ErrnoException | null, result: Buffer | undefined): void => {
        close(fd, (closeError) => {
          const failure = error ?? closeError;
          if (failure) reject(failure);
          else resolve(result);
        });
      };
      const readFrom = (offset: number): void => {
        if (offset === length) {
          finish(null, buffer);
          return;
        }
        read(fd, buffer, offset, length - offset, offset, (readError, bytesRead) => {
          if (readError) finish(readError, undefined);
          else if (bytesRead === 0) finish(null, undefined);
          else readFrom(offset + bytesRead);
        });
      };
      readFrom(0);
    });
  });
}

const CREATE_FLAGS = constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | constants.O_NOFOLLOW;

/**
 * Creates `path` (it must not exist; a symlink there is not followed), `fchmod`s it to `mode`
 * whatever the umask, writes `contents`, optionally fsyncs, and closes. Callback style for the
 * same reason as readExactly.
 */
export function createExclusive(
  path: string,
  mode: number,
  contents: Uint8Array,
  durable: boolean,
): Promise<void> {
  return new Promise((resolve, reject) => {
    openCallback(path, CREATE_FLAGS, 0o600, (openError, fd) => {
      if (openError) {
        reject(openError);
        return;
      }
      const finish = (error: NodeJS.ErrnoException | null): void => {
        close(fd, (closeError) => {
          const failure = error ?? closeError;
          if (failure) reject(failure);
          else resolve();
        });
      };
      const sync = (): void => {
        if (durable) fsync(fd, finish);
        else finish(null);
      };
      const writeFrom = (offset: number): void => {
        if (offset === contents.byteLength) {
          sync();
          return;
        }
        write(fd, contents, offset, contents.byteLength - offset, offset, (writeError, written) => {
          if (writeError) finish(writeError);
          else writeFrom(offset + written);
        });
      };
      fchmod(fd, mode, (chmodError) => {
        if (chmodError) finish(chmodError);
        else writeFrom(0);
      });
    });
  });
}
