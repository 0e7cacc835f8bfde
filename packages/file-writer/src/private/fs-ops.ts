import type { Stats } from 'node:fs';
import { constants } from 'node:fs';
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
