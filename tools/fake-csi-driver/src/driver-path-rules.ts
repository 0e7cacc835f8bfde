import { posix } from 'node:path';

/** The driver's limits on a returned file path, in bytes (Go string lengths). */
const MAX_PATH_BYTES = 4096;
const MAX_ELEMENT_BYTES = 255;

/**
 * The first path the Secrets Store CSI Driver v1.6 would refuse to write, with the driver's own
 * message (it becomes the pod's FailedMount event text), or undefined when every path passes. The
 * paths are checked in response order; for each, the element rules first, then "clean form".
 */
export function driverPathError(paths: readonly string[]): string | undefined {
  for (const path of paths) {
    const message =
      elementRuleError(path) ?? (goClean(path) === path ? undefined : `invalid filepath: ${goQuote(path)}`);
    if (message !== undefined) return message;
  }
  return undefined;
}

function elementRuleError(path: string): string | undefined {
  if (path === '') return `invalid path: must not be empty: ${goQuote(path)}`;
  if (path.startsWith('/')) return `invalid path: must be relative path: ${path}`;
  if (Buffer.byteLength(path) > MAX_PATH_BYTES)
    return `invalid path: must be less than or equal to ${MAX_PATH_BYTES} characters`;
  const elements = path.split('/');
  for (const element of elements) {
    if (element === '..') return `invalid path: must not contain '..': ${path}`;
    if (Buffer.byteLength(element) > MAX_ELEMENT_BYTES)
      return `invalid path: filenames must be less than or equal to ${MAX_ELEMENT_BYTES} characters`;
  }
  const first = elements[0]!;
  if (first.startsWith('..') && first.length > 2) return `invalid path: must not start with '..': ${path}`;
  return undefined;
}

/** Go's `filepath.Clean` on a relative POSIX path: no empty, `.` or `..` steps, no trailing `/`. */
function goClean(path: string): string {
  const normalized = posix.normalize(path);
  return normalized.length > 1 && normalized.endsWith('/') ? normalized.slice(0, -1) : normalized;
}

/** Go's `%q` for the printable ASCII the rules above meet; other characters JSON-escaped (close). */
function goQuote(text: string): string {
  return JSON.stringify(text);
}
