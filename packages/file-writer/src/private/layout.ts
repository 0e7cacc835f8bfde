/** Names inside the target directory (docs/file-layout.md §1). */
export const DATA_LINK = '..data';
export const DATA_LINK_TMP = '..data_tmp';
export const LOCK_NAME = '..lock';

/** `..2026_05_01_10_00_00.123456789`: our timestamped directories and kubelet's alike. */
const TIMESTAMPED_DIR = /^\.\.\d{4}_\d{2}_\d{2}_\d{2}_\d{2}_\d{2}\.[0-9A-Za-z]{1,32}$/;

export function isTimestampedDirName(name: string): boolean {
  return TIMESTAMPED_DIR.test(name);
}

function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}

/** `..YYYY_MM_DD_HH_MM_SS.<suffix>` in UTC. */
export function timestampedDirName(epochMs: number, suffix: string): string {
  const t = new Date(epochMs);
  const stamp = `${pad(t.getUTCFullYear(), 4)}_${pad(t.getUTCMonth() + 1)}_${pad(t.getUTCDate())}_${pad(t.getUTCHours())}_${pad(t.getUTCMinutes())}_${pad(t.getUTCSeconds())}`;
  return `..${stamp}.${suffix}`;
}

/** The link text of a visible entry: `<name> -> ..data/<name>`. */
export function visibleLinkTarget(name: string): string {
  return `${DATA_LINK}/${name}`;
}

export function firstElement(path: string): string {
  const slash = path.indexOf('/');
  return slash === -1 ? path : path.slice(0, slash);
}
