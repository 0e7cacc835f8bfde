import { FileWriterError } from './file-writer-error.js';

export const MAX_PATH_BYTES = 4096;
export const MAX_ELEMENT_BYTES = 255;

const LONE_SURROGATE = /\p{Surrogate}/u;

/** Quotes a path for an error message; long paths are shortened so messages stay readable. */
export function describePath(path: string): string {
  const shown = path.length > 120 ? `${path.slice(0, 100)}…(${Buffer.byteLength(path, 'utf8')} bytes)` : path;
  return JSON.stringify(shown);
}

function invalid(path: string, rule: string): FileWriterError {
  return new FileWriterError('INVALID_PATH', `invalid path ${describePath(path)}: ${rule}`, { path });
}

/**
 * Checks one payload path against the rules of docs/file-layout.md §3 (the driver's rules plus ours:
 * no NUL byte, no `.` element, well-formed Unicode). Throws `FileWriterError` (`INVALID_PATH`).
 */
export function validatePath(path: string): void {
  if (typeof path !== 'string' || path === '') throw invalid(String(path), 'must not be empty');
  if (path.includes('\0')) throw invalid(path, 'must not contain a NUL byte');
  if (LONE_SURROGATE.test(path)) throw invalid(path, 'must be valid Unicode');
  if (path.startsWith('/')) throw invalid(path, 'must be a relative path');
  if (Buffer.byteLength(path, 'utf8') > MAX_PATH_BYTES) {
    throw invalid(path, `must not be longer than ${MAX_PATH_BYTES} bytes`);
  }
  const elements = path.split('/');
  for (const element of elements) {
    if (element === '..') throw invalid(path, "must not contain a '..' element");
    if (Buffer.byteLength(element, 'utf8') > MAX_ELEMENT_BYTES) {
      throw invalid(path, `every element must be at most ${MAX_ELEMENT_BYTES} bytes`);
    }
  }
  if (elements[0]?.startsWith('..')) throw invalid(path, "must not start with '..'");
  // Clean form: what Go's path.Clean would leave unchanged, minus a lone ".", which names no file.
  if (elements.some((element) => element === '' || element === '.')) {
    throw invalid(path, "must be in clean form (no empty or '.' elements, no leading or trailing '/')");
  }
}

/**
 * Checks a whole payload: every path valid, no duplicates, and no file that is also a directory
 * of another file (`a` and `a/b`). Throws the first problem found, in payload order.
 */
export function validatePaths(paths: Iterable<string>): void {
  const seen = new Set<string>();
  const all: string[] = [];
  for (const path of paths) {
    validatePath(path);
    if (seen.has(path)) {
      throw new FileWriterError('DUPLICATE_PATH', `duplicate path ${describePath(path)}`, { path });
    }
    seen.add(path);
    all.push(path);
  }
  for (const path of all) {
    let slash = path.indexOf('/');
    while (slash !== -1) {
      const directory = path.slice(0, slash);
      if (seen.has(directory)) {
        throw new FileWriterError(
          'PATH_COLLISION',
          `path ${describePath(directory)} is a file and also the directory of ${describePath(path)}`,
          { path: directory },
        );
      }
      slash = path.indexOf('/', slash + 1);
    }
  }
}
