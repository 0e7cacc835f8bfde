import { lstat, readdir, readFile, readlink, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type FileToWrite, writeAtomically } from '@keyvault-csi/file-writer';
import { driverPathError } from './driver-path-rules.js';

/** A write the driver would refuse or fail; `message` is the driver's text for it. */
export class DriverWriteError extends Error {
  override readonly name = 'DriverWriteError';
}

export interface DriverWriteResult {
  /** False when the driver would leave the target as it is. */
  readonly changed: boolean;
}

/**
 * Writes a Mount response's files into `targetPath` the way the Secrets Store CSI Driver v1.6 does,
 * where that differs from our own @keyvault-csi/file-writer (which does the atomic `..data` swap):
 *
 * - path rules and messages are the driver's (`invalid path: …`, `invalid filepath: "a/"`);
 * - a path returned twice is written once, with the contents returned last (the driver builds a map);
 * - an entry at a file's first path element that is not a symlink (a provider that wrote files
 *   itself) is deleted first, where our writer would refuse to replace it;
 * - nothing is rewritten when every file's contents are already there and nothing is to be removed:
 *   the driver compares contents only, so a change of mode alone is not applied.
 */
export async function writeLikeDriver(
  targetPath: string,
  files: readonly FileToWrite[],
): Promise<DriverWriteResult> {
  const pathError = driverPathError(files.map((file) => file.path));
  if (pathError !== undefined) throw new DriverWriteError(pathError);
  const payload = [...new Map(files.map((file) => [file.path, file])).values()];
  try {
    await removeEntriesNotWrittenByTheDriver(targetPath, payload);
  } catch (error) {
    throw new DriverWriteError(`cleanup failure: ${(error as Error).message}`, { cause: error });
  }
  if (await contentsAlreadyInPlace(targetPath, payload)) return { changed: false };
  try {
    return { changed: (await writeAtomically(targetPath, payload)).changed };
  } catch (error) {
    throw new DriverWriteError((error as Error).message, { cause: error });
  }
}

async function removeEntriesNotWrittenByTheDriver(
  targetPath: string,
  files: readonly FileToWrite[],
): Promise<void> {
  for (const file of files) {
    const entry = join(targetPath, file.path.split('/')[0]!);
    const stat = await lstat(entry).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (stat !== undefined && !stat.isSymbolicLink()) await rm(entry, { recursive: true, force: true });
  }
}

/** The driver's "no update required": same contents for every file, and no path to remove. */
async function contentsAlreadyInPlace(targetPath: string, files: readonly FileToWrite[]): Promise<boolean> {
  let current: string;
  try {
    current = join(targetPath, await readlink(join(targetPath, '..data')));
  } catch {
    return false;
  }
  for (const file of files) {
    const onDisk = await readFile(join(current, file.path)).catch(() => undefined);
    if (onDisk === undefined || !onDisk.equals(file.contents)) return false;
  }
  const wanted = new Set<string>();
  for (const file of files) {
    const elements = file.path.split('/');
    for (let i = 1; i <= elements.length; i++) wanted.add(elements.slice(0, i).join('/'));
  }
  for (const existing of await listTree(current)) if (!wanted.has(existing)) return false;
  return true;
}

/** Every path (files and directories) under `dir`, relative, without following symlinks. */
async function listTree(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const relative = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    out.push(relative);
    if (entry.isDirectory()) out.push(...(await listTree(join(dir, entry.name), relative)));
  }
  return out;
}
