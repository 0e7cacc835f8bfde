import { utf8Length } from './input-limits.js';
import { echo } from './private/echo.js';
import { goQuote } from './private/go-text.js';
import { SpcError, type SpcErrorCode } from './spc-error.js';

/** Longest path element the driver accepts, in bytes. */
export const MAX_FILE_NAME_ELEMENT_BYTES = 255;
/** Longest path the driver accepts, in bytes. */
export const MAX_FILE_PATH_BYTES = 4096;

export interface FilePathProblem {
  readonly code: SpcErrorCode;
  /** The cause, without the object wrap. */
  readonly message: string;
}

/**
 * Checks a file name (`objectAlias` or `objectName`) as the reference does (empty, absolute, `..`
 * anywhere), then as the driver's writer would (clean form, NUL, 255 bytes per element, 4096 in
 * all), so a bad path fails validation instead of the whole write. Returns the first problem.
 */
export function checkFilePath(path: string): FilePathProblem | undefined {
  if (path.length === 0) return { code: 'FILE_NAME_EMPTY', message: 'file name must not be empty' };
  if (path.startsWith('/'))
    return { code: 'FILE_NAME_ABSOLUTE', message: 'file name must be a relative path' };
  if (path.includes('..')) return { code: 'FILE_NAME_DOT_DOT', message: "file name must not contain '..'" };
  if (!isClean(path)) {
    return {
      code: 'FILE_NAME_UNCLEAN',
      message: `file name must be a clean relative path: ${goQuote(echo(path))}`,
    };
  }
  if (path.includes('\0'))
    return { code: 'FILE_NAME_NUL', message: 'file name must not contain a NUL character' };
  const bytes = utf8Length(path);
  if (bytes > MAX_FILE_PATH_BYTES) {
    return {
      code: 'FILE_NAME_TOO_LONG',
      message: `file name must be at most ${MAX_FILE_PATH_BYTES} bytes, got ${bytes}`,
    };
  }
  for (const element of path.split('/')) {
    const elementBytes = utf8Length(element);
    if (elementBytes > MAX_FILE_NAME_ELEMENT_BYTES) {
      return {
        code: 'FILE_NAME_TOO_LONG',
        message: `file name element ${goQuote(echo(element))} must be at most ${MAX_FILE_NAME_ELEMENT_BYTES} bytes, got ${elementBytes}`,
      };
    }
  }
  return undefined;
}

/** Throws `SpcError` (code `FILE_NAME_*`) with the cause text when `path` is not a valid file name. */
export function validateFilePath(path: string): void {
  const problem = checkFilePath(path);
  if (problem) throw new SpcError(problem.code, problem.message);
}

// filepath.Clean(p) === p for a relative path without `..`: no empty, `.` elements or trailing `/`.
function isClean(path: string): boolean {
  for (const element of path.split('/')) {
    if (element === '' || element === '.') return false;
  }
  return true;
}
