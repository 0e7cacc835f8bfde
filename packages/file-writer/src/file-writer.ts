import { randomInt } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, mkdir, open, realpath, rename, symlink, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { FileWriterError, ioError } from './file-writer-error.js';
import { DirectoryLock, removeAbandonedLockStaging } from './private/directory-lock.js';
import { createExclusive, errnoOf, forEachLimit, fsyncDirectory, removeTree } from './private/fs-ops.js';
import { KeyedMutex } from './private/keyed-mutex.js';
import {
  DATA_LINK,
  DATA_LINK_TMP,
  firstElement,
  LOCK_NAME,
  timestampedDirName,
  visibleLinkTarget,
} from './private/layout.js';
import { type Comparison, compareWithPayload, readTargetState } from './private/target-state.js';
import { describePath, validatePaths } from './validate-paths.js';

/** One file of the payload. `path` follows docs/file-layout.md §3; `mode` is applied exactly (0..0o777). */
export interface FileToWrite {
  readonly path: string;
  readonly mode: number;
  readonly contents: Uint8Array;
}

export type FileWriterEvent =
  | { readonly type: 'lock-wait'; readonly holderPid: number | undefined }
  | { readonly type: 'lock-acquired' }
  | { readonly type: 'lock-releasing' }
  | { readonly type: 'leftover-removed'; readonly name: string };

export interface FileWriterOptions {
  /** Clock for the timestamped directory name, epoch ms (default `Date.now`). */
  readonly now?: () => number;
  /** Randomness for the directory suffix, a float in [0, 1) (default: crypto). */
  readonly random?: () => number;
  /** How long a write waits for another writer of the same target (default 10 000 ms). */
  readonly lockTimeoutMs?: number;
  /**
   * After how long a lock held by a process we cannot inspect (another host or pid namespace)
   * is presumed abandoned (default 60 000 ms). Holders on this machine are checked by pid.
   */
  readonly staleLockMs?: number;
  /** fsync files and directories (default true). Only a tmpfs target can afford false. */
  readonly fsync?: boolean;
  readonly onEvent?: (event: FileWriterEvent) => void;
}

export interface WriteResult {
  /** False when the visible set already matched the payload (contents and modes). */
  readonly changed: boolean;
  /** The timestamped directory `..data` points to after the write, e.g. `..2026_05_01_10_00_00.123456789`. */
  readonly dataDirectory: string;
  /** Payload paths of the previous set that are gone now, sorted. */
  readonly removedPaths: readonly string[];
  /** Leftovers of interrupted writes removed first (`..data_tmp`, unreferenced timestamped dirs). */
  readonly leftoversRemoved: number;
}

function describeMode(mode: unknown): string {
  return typeof mode === 'number' && Number.isInteger(mode) && mode >= 0
    ? `0o${mode.toString(8)}`
    : String(mode);
}

function validateFiles(files: readonly FileToWrite[]): void {
  if (!Array.isArray(files)) throw new FileWriterError('INVALID_FILE', 'files must be an array');
  validatePaths(files.map((file) => file.path));
  for (const file of files) {
    if (!Number.isInteger(file.mode) || file.mode < 0 || file.mode > 0o777) {
      throw new FileWriterError(
        'INVALID_FILE',
        `invalid mode for ${describePath(file.path)}: ${describeMode(file.mode)} (expected an integer from 0 to 0o777)`,
        { path: file.path },
      );
    }
    if (!(file.contents instanceof Uint8Array)) {
      throw new FileWriterError(
        'INVALID_FILE',
        `contents of ${describePath(file.path)} must be a Uint8Array`,
        {
          path: file.path,
        },
      );
    }
  }
}

/** Every directory the payload implies (`a/b/c` → `a`, `a/b`), parents before children. */
function directoriesOf(files: readonly FileToWrite[]): string[] {
  const directories = new Set<string>();
  for (const file of files) {
    for (let slash = file.path.indexOf('/'); slash !== -1; slash = file.path.indexOf('/', slash + 1)) {
      directories.add(file.path.slice(0, slash));
    }
  }
  return [...directories].sort((a, b) => a.split('/').length - b.split('/').length || (a < b ? -1 : 1));
}

/**
 * Writes complete file sets into target directories with the `..data` symlink swap (see README).
 *
 * One instance owns the in-process lock table, so writers sharing an instance queue without
 * polling; writers in other instances or processes are serialised by the `..lock` in the target.
 */
export class FileWriter {
  readonly #options: FileWriterOptions;
  readonly #mutex = new KeyedMutex();

  constructor(options: FileWriterOptions = {}) {
    this.#options = options;
  }

  /**
   * Replaces the whole visible set of `targetDir` with `files`, atomically for readers that go
   * through `..data`. Resolves `{ changed: false }` without touching the filesystem when the set
   * (contents and modes) is already in place.
   */
  async write(
    targetDir: string,
    files: readonly FileToWrite[],
    options: FileWriterOptions = {},
  ): Promise<WriteResult> {
    validateFiles(files);
    const settings = { ...this.#options, ...options };
    // Queue by the path as given first, so calls with the same spelling run in call order (the
    // last call wins), then by the real path, which the path resolves to only asynchronously.
    return this.#mutex.run(`given:${targetDir}`, async () => {
      const target = await resolveTarget(targetDir);
      return this.#mutex.run(`real:${target}`, () => this.#writeExclusive(target, files, settings));
    });
  }

  async #writeExclusive(
    target: string,
    files: readonly FileToWrite[],
    settings: FileWriterOptions,
  ): Promise<WriteResult> {
    const precheck = await precheckWithoutLock(target, files);
    if (precheck?.upToDate) {
      return { changed: false, dataDirectory: precheck.dataDir, removedPaths: [], leftoversRemoved: 0 };
    }
    const lock = await DirectoryLock.acquire(target, {
      timeoutMs: settings.lockTimeoutMs ?? 10_000,
      staleAfterMs: settings.staleLockMs ?? 60_000,
      onWait: (holder) => settings.onEvent?.({ type: 'lock-wait', holderPid: holder?.pid }),
    });
    settings.onEvent?.({ type: 'lock-acquired' });
    try {
      return await writeLocked(target, files, settings, precheck);
    } finally {
      settings.onEvent?.({ type: 'lock-releasing' });
      await lock.release();
    }
  }
}

interface Precheck {
  readonly dataDir: string;
  readonly comparison: Comparison;
  /** Identical set, every visible link in place, nothing stale, no leftovers. */
  readonly upToDate: boolean;
}

/**
 * Lock-free look at the target. Reading needs no lock: `..data` is swapped atomically, so what we
 * see is one complete set, and answering "unchanged" then is as if this write ran at that instant.
 * Any doubt (say a concurrent removal) yields undefined and the locked path decides; a foreign
 * entry at a payload name is refused right here, before taking the lock or touching anything.
 */
async function precheckWithoutLock(
  target: string,
  files: readonly FileToWrite[],
): Promise<Precheck | undefined> {
  try {
    const firstElements = new Set(files.map((file) => firstElement(file.path)));
    const state = await readTargetState(target, firstElements);
    if (state.dataDir === undefined) return undefined;
    const comparison = await compareWithPayload(target, state.dataDir, files, new Set(directoriesOf(files)));
    const upToDate =
      comparison.identical &&
      state.leftovers.length === 0 &&
      state.staleLinks.length === 0 &&
      state.linked.size === firstElements.size;
    return { dataDir: state.dataDir, comparison, upToDate };
  } catch (error) {
    if (error instanceof FileWriterError && error.code === 'REFUSE_REPLACE') throw error;
    return undefined;
  }
}

async function resolveTarget(targetDir: string): Promise<string> {
  let stats: Awaited<ReturnType<typeof lstat>>;
  try {
    stats = await lstat(targetDir);
  } catch (error) {
    const errno = errnoOf(error);
    if (errno !== 'ENOENT' && errno !== 'ENOTDIR') throw ioError('cannot lstat target', targetDir, error);
    throw new FileWriterError('TARGET_NOT_DIRECTORY', `target ${targetDir} does not exist`, {
      path: targetDir,
      cause: error,
    });
  }
  if (stats.isSymbolicLink()) {
    throw new FileWriterError('TARGET_NOT_DIRECTORY', `target ${targetDir} is a symlink, not a directory`, {
      path: targetDir,
    });
  }
  if (!stats.isDirectory()) {
    throw new FileWriterError('TARGET_NOT_DIRECTORY', `target ${targetDir} is not a directory`, {
      path: targetDir,
    });
  }
  try {
    return await realpath(targetDir);
  } catch (error) {
    throw ioError('cannot resolve', targetDir, error);
  }
}

function randomSuffix(random: (() => number) | undefined): string {
  const value = random === undefined ? randomInt(1_000_000_000) : Math.floor(random() * 1_000_000_000);
  return String(value).padStart(9, '0');
}

async function makeTimestampedDir(target: string, settings: FileWriterOptions): Promise<string> {
  const now = settings.now ?? Date.now;
  for (let attempt = 0; ; attempt++) {
    const name = timestampedDirName(now(), randomSuffix(settings.random));
    try {
      await mkdir(join(target, name), { mode: 0o700 });
      return name;
    } catch (error) {
      if (errnoOf(error) !== 'EEXIST' || attempt >= 100)
        throw ioError('cannot create', join(target, name), error);
    }
  }
}

async function writeFileExclusive(path: string, file: FileToWrite, fsync: boolean): Promise<void> {
  try {
    await createExclusive(path, file.mode, file.contents, fsync);
  } catch (error) {
    throw ioError('cannot write', path, error);
  }
}

/** fchmod 0755 (umask-independent) and, when durable, fsync — on a directory we just created. */
async function sealDirectory(path: string, fsync: boolean): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
    await handle.chmod(0o755);
    if (fsync) await handle.sync();
  } catch (error) {
    throw ioError('cannot finish directory', path, error);
  } finally {
    await handle?.close();
  }
}

async function writeLocked(
  target: string,
  files: readonly FileToWrite[],
  settings: FileWriterOptions,
  precheck: Precheck | undefined,
): Promise<WriteResult> {
  const fsync = settings.fsync ?? true;
  const firstElements = new Set(files.map((file) => firstElement(file.path)));
  const directories = directoriesOf(files);
  const state = await readTargetState(target, firstElements);

  // Leftovers of interrupted writes: safe to remove now that we hold the lock.
  let leftoversRemoved = 0;
  for (const name of state.leftovers) {
    await removeTree(join(target, name));
    settings.onEvent?.({ type: 'leftover-removed', name });
    leftoversRemoved++;
  }
  const stagingRemoved = await removeAbandonedLockStaging(
    target,
    state.names.filter((name) => name.startsWith(`${LOCK_NAME}.`)),
    settings.staleLockMs ?? 60_000,
  );
  leftoversRemoved += stagingRemoved;

  let removedPaths: string[] = [];
  if (state.dataDir !== undefined) {
    // A published data directory never changes, so the lock-free comparison still holds if `..data`
    // still names the same directory; this saves reading every old file twice.
    const comparison =
      precheck?.dataDir === state.dataDir
        ? precheck.comparison
        : await compareWithPayload(target, state.dataDir, files, new Set(directories));
    removedPaths = comparison.removedPaths;
    if (comparison.identical && state.staleLinks.length === 0 && state.linked.size === firstElements.size) {
      return { changed: false, dataDirectory: state.dataDir, removedPaths: [], leftoversRemoved };
    }
  }

  const newDir = await makeTimestampedDir(target, settings);
  const newRoot = join(target, newDir);
  const createdLinks: string[] = [];
  try {
    for (const directory of directories) {
      try {
        await mkdir(join(newRoot, directory), { mode: 0o700 });
      } catch (error) {
        throw ioError('cannot create', join(newRoot, directory), error);
      }
    }
    await forEachLimit(files, 16, (file) => writeFileExclusive(join(newRoot, file.path), file, fsync));
    for (const directory of [...directories].reverse()) await sealDirectory(join(newRoot, directory), fsync);
    await sealDirectory(newRoot, fsync);

    for (const name of firstElements) {
      if (state.linked.has(name)) continue;
      try {
        await symlink(visibleLinkTarget(name), join(target, name));
      } catch (error) {
        throw ioError('cannot create symlink', join(target, name), error);
      }
      createdLinks.push(name);
    }

    const tmpLink = join(target, DATA_LINK_TMP);
    try {
      await symlink(newDir, tmpLink);
      await rename(tmpLink, join(target, DATA_LINK));
    } catch (error) {
      await unlink(tmpLink).catch(() => undefined);
      throw ioError('cannot switch', join(target, DATA_LINK), error);
    }
  } catch (error) {
    // Before the switch nothing visible changed except links for new names (dangling): undo both.
    await removeTree(newRoot).catch(() => undefined);
    for (const name of createdLinks) await unlink(join(target, name)).catch(() => undefined);
    throw error;
  }
  if (fsync) await fsyncDirectory(target);

  for (const name of state.staleLinks) {
    try {
      await unlink(join(target, name));
    } catch (error) {
      if (errnoOf(error) !== 'ENOENT') throw ioError('cannot remove', join(target, name), error);
    }
  }
  if (state.dataDir !== undefined) await removeTree(join(target, state.dataDir));
  return { changed: true, dataDirectory: newDir, removedPaths, leftoversRemoved };
}

/**
 * The process-wide writer behind `writeAtomically`. It holds only the in-process lock table, and
 * correctness never depends on it (the `..lock` in the target serialises every writer); it exists
 * so that independent callers in one process queue instead of polling that lock.
 */
const defaultWriter = new FileWriter();

/** `new FileWriter().write(...)` on a shared instance; see {@link FileWriter.write}. */
export function writeAtomically(
  targetDir: string,
  files: readonly FileToWrite[],
  options?: FileWriterOptions,
): Promise<WriteResult> {
  return defaultWriter.write(targetDir, files, options);
}

export { writeAtomically as write };
