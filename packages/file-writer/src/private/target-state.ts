import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { FileWriterError, ioError } from '../file-writer-error.js';
import { errnoOf, forEachLimit, lstatIfExists, readExactly, readlinkIfSymlink } from './fs-ops.js';
import { DATA_LINK, DATA_LINK_TMP, isTimestampedDirName, visibleLinkTarget } from './layout.js';

export interface PayloadFile {
  readonly path: string;
  readonly mode: number;
  readonly contents: Uint8Array;
}

/** What a target directory holds, as far as the writer cares. */
export interface TargetState {
  /** The timestamped directory `..data` names, when it is a real directory of ours in the target. */
  readonly dataDir: string | undefined;
  /** Visible names already linked as `<name> -> ..data/<name>`. */
  readonly linked: ReadonlySet<string>;
  /** Visible `..data/<name>` links whose name the new payload no longer has. */
  readonly staleLinks: readonly string[];
  /** `..data_tmp` and timestamped directories `..data` does not reference. */
  readonly leftovers: readonly string[];
  /** Every entry name of the target (for lock staging cleanup). */
  readonly names: readonly string[];
}

/**
 * Reads the target's top level. Throws REFUSE_REPLACE when an entry we did not create stands where
 * the payload needs one of ours; nothing is followed: only `lstat` and `readlink`.
 */
export async function readTargetState(
  targetDir: string,
  firstElements: ReadonlySet<string>,
): Promise<TargetState> {
  let names: string[];
  try {
    names = await readdir(targetDir);
  } catch (error) {
    throw ioError('cannot list', targetDir, error);
  }
  const present = new Set(names);

  let dataDir: string | undefined;
  if (present.has(DATA_LINK)) {
    const link = await readlinkIfSymlink(join(targetDir, DATA_LINK));
    if (link === null) {
      throw new FileWriterError('REFUSE_REPLACE', `refusing to replace ${DATA_LINK}: not a symlink`, {
        path: join(targetDir, DATA_LINK),
      });
    }
    // Only a bare name of ours counts; `..data` pointing anywhere else is replaced, never followed.
    if (link !== undefined && isTimestampedDirName(link) && present.has(link)) {
      const stats = await lstatIfExists(join(targetDir, link));
      if (stats?.isDirectory()) dataDir = link;
    }
  }

  const linked = new Set<string>();
  const staleLinks: string[] = [];
  const leftovers = names.filter(
    (name) => name === DATA_LINK_TMP || (isTimestampedDirName(name) && name !== dataDir),
  );
  const visible = names.filter((name) => !name.startsWith('..'));
  const links = await Promise.all(visible.map((name) => readlinkIfSymlink(join(targetDir, name))));
  visible.forEach((name, index) => {
    const link = links[index];
    // Gone since the listing: a concurrent writer of ours removed a stale link; treat as absent.
    if (link === undefined) return;
    const ours = link === visibleLinkTarget(name);
    if (firstElements.has(name)) {
      if (!ours) {
        throw new FileWriterError(
          'REFUSE_REPLACE',
          `refusing to replace ${name}: not a symlink into ${DATA_LINK}`,
          {
            path: join(targetDir, name),
          },
        );
      }
      linked.add(name);
    } else if (ours) {
      staleLinks.push(name);
    }
  });
  return { dataDir, linked, staleLinks, leftovers, names };
}

interface OldEntry {
  readonly kind: 'file' | 'directory' | 'other';
  readonly mode: number;
  readonly size: number;
}

/** Every entry below `root`, keyed by relative path, without following any symlink. */
async function walk(root: string): Promise<Map<string, OldEntry>> {
  const entries = new Map<string, OldEntry>();
  const pending = [''];
  while (pending.length > 0) {
    const relative = pending.pop() as string;
    let names: string[];
    try {
      names = await readdir(relative === '' ? root : join(root, relative));
    } catch (error) {
      throw ioError('cannot list', join(root, relative), error);
    }
    const paths = names.map((name) => (relative === '' ? name : `${relative}/${name}`));
    const stats = await Promise.all(paths.map((path) => lstatIfExists(join(root, path))));
    paths.forEach((path, index) => {
      const entry = stats[index];
      if (entry === undefined) return;
      const kind = entry.isFile() ? 'file' : entry.isDirectory() ? 'directory' : 'other';
      entries.set(path, { kind, mode: entry.mode & 0o7777, size: entry.size });
      if (kind === 'directory') pending.push(path);
    });
  }
  return entries;
}

async function sameContents(path: string, expected: Uint8Array): Promise<boolean> {
  try {
    // The caller has already matched the size (lstat); a published data directory never changes.
    const actual = await readExactly(path, expected.byteLength);
    return (
      actual !== undefined &&
      Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength).equals(actual)
    );
  } catch (error) {
    // EACCES (mode 0 as non-root) or a concurrent removal: cannot prove equality, so rewrite.
    if (errnoOf(error) !== undefined) return false;
    throw error;
  }
}

/**
 * Compares the set under `..data` with the payload: same files, same modes, same bytes, the
 * directories the payload implies (all 0755) and nothing else. Returns the payload paths that
 * would disappear as well, for the caller's report.
 */
export interface Comparison {
  readonly identical: boolean;
  readonly removedPaths: string[];
}

export async function compareWithPayload(
  targetDir: string,
  dataDir: string,
  files: readonly PayloadFile[],
  directories: ReadonlySet<string>,
): Promise<Comparison> {
  const root = join(targetDir, dataDir);
  const rootStats = await lstatIfExists(root);
  const old = await walk(root);
  const wanted = new Set(files.map((file) => file.path));
  const removedPaths = [...old]
    .filter(([path, e]) => e.kind !== 'directory' && !wanted.has(path))
    .map(([p]) => p)
    .sort();

  let identical = rootStats !== undefined && (rootStats.mode & 0o7777) === 0o755;
  identical &&= old.size === files.length + directories.size;
  for (const directory of directories) {
    const entry = old.get(directory);
    identical &&= entry?.kind === 'directory' && entry.mode === 0o755;
  }
  for (const file of files) {
    const entry = old.get(file.path);
    identical &&=
      entry?.kind === 'file' && entry.mode === file.mode && entry.size === file.contents.byteLength;
  }
  if (identical) {
    await forEachLimit(files, 16, async (file) => {
      if (identical && !(await sameContents(join(root, file.path), file.contents))) identical = false;
    });
  }
  return { identical, removedPaths };
}
