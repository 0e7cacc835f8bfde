import { lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh directory under the system temp dir; `remove()` deletes it (never following links). */
export function makeTempDir(prefix = 'file-writer-', base = tmpdir()): { path: string; remove: () => void } {
  const path = mkdtempSync(join(base, prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export interface EntryView {
  readonly name: string;
  readonly type: 'file' | 'dir' | 'link' | 'other';
  readonly link?: string;
  readonly mode: number;
  readonly ino: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
}

/** Top-level entries of `dir`, sorted, described without following anything. */
export function listTop(dir: string): EntryView[] {
  return readdirSync(dir)
    .sort()
    .map((name) => {
      const stats = lstatSync(join(dir, name));
      const type = stats.isSymbolicLink()
        ? 'link'
        : stats.isDirectory()
          ? 'dir'
          : stats.isFile()
            ? 'file'
            : 'other';
      return {
        name,
        type,
        ...(type === 'link' ? { link: readlinkSync(join(dir, name)) } : {}),
        mode: stats.mode & 0o7777,
        ino: stats.ino,
        mtimeMs: stats.mtimeMs,
        ctimeMs: stats.ctimeMs,
      };
    });
}

/** Every entry below `dir` (recursive, not following links) with its full lstat identity. */
export function fingerprint(dir: string): string[] {
  const out: string[] = [];
  const visit = (relative: string): void => {
    const full = relative === '' ? dir : join(dir, relative);
    const stats = lstatSync(full);
    const link = stats.isSymbolicLink() ? ` -> ${readlinkSync(full)}` : '';
    out.push(
      `${relative} ${stats.ino} ${stats.mode.toString(8)} ${stats.mtimeMs} ${stats.ctimeMs} ${stats.size}${link}`,
    );
    if (stats.isDirectory())
      for (const name of readdirSync(full).sort()) visit(relative === '' ? name : `${relative}/${name}`);
  };
  visit('');
  return out;
}

export function readText(path: string): string {
  return readFileSync(path, 'utf8');
}

export const TIMESTAMPED = /^\.\.\d{4}_\d{2}_\d{2}_\d{2}_\d{2}_\d{2}\.\d{9}$/;

export function text(value: string): Uint8Array {
  return new TextEncoder().encode(value);
}
