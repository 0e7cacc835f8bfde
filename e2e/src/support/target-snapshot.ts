import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';

/**
 * Everything under a mount target exactly as it is on disk — hidden `..data` entries, symlink
 * targets, file modes and content hashes — so a test can prove a failed mount changed nothing.
 */
export function snapshotTarget(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (full: string, relative: string): void => {
    const stat = lstatSync(full);
    if (stat.isSymbolicLink()) out[relative] = `-> ${readlinkSync(full)}`;
    else if (stat.isDirectory()) {
      out[relative] = `dir ${(stat.mode & 0o777).toString(8)}`;
      for (const name of readdirSync(full).sort()) walk(path.join(full, name), `${relative}/${name}`);
    } else {
      const hash = createHash('sha256').update(readFileSync(full)).digest('hex').slice(0, 16);
      out[relative] = `file ${(stat.mode & 0o777).toString(8)} ${stat.size} ${hash}`;
    }
  };
  for (const name of readdirSync(dir).sort()) walk(path.join(dir, name), name);
  return out;
}
