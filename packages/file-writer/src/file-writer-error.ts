/**
 * Stable error codes. Callers branch on `code`, never on `message`.
 *
 * - `INVALID_PATH`: a path breaks a rule of docs/file-layout.md §3 (the message names the rule).
 * - `DUPLICATE_PATH`: two files share one path.
 * - `PATH_COLLISION`: a file path is also a directory of another file (`a` and `a/b`).
 * - `INVALID_FILE`: a mode outside 0..0o777 or contents that are not a Uint8Array.
 * - `TARGET_NOT_DIRECTORY`: the target is missing, a symlink, or not a directory.
 * - `REFUSE_REPLACE`: an existing entry we did not create stands where the payload needs ours.
 * - `LOCK_TIMEOUT`: another writer held the target's lock for longer than `lockTimeoutMs`.
 * - `LOCK_FAILED`: the lock could not be taken for a reason other than contention.
 * - `IO`: a filesystem call failed; `cause` holds the Node error (its `code`, e.g. ENOSPC).
 */
export type FileWriterErrorCode =
  | 'INVALID_PATH'
  | 'DUPLICATE_PATH'
  | 'PATH_COLLISION'
  | 'INVALID_FILE'
  | 'TARGET_NOT_DIRECTORY'
  | 'REFUSE_REPLACE'
  | 'LOCK_TIMEOUT'
  | 'LOCK_FAILED'
  | 'IO';

export interface FileWriterErrorOptions {
  /** The payload path or filesystem path the error is about. */
  readonly path?: string;
  readonly cause?: unknown;
}

/** Every failure of this package. Messages name the path and the cause, never file contents. */
export class FileWriterError extends Error {
  override readonly name = 'FileWriterError';
  readonly code: FileWriterErrorCode;
  readonly path: string | undefined;

  constructor(code: FileWriterErrorCode, message: string, options: FileWriterErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.path = options.path;
  }
}

/** Wraps a failed filesystem call as `IO`, keeping the errno code and the path in the message. */
export function ioError(action: string, path: string, cause: unknown): FileWriterError {
  const errno = (cause as NodeJS.ErrnoException | undefined)?.code ?? 'unknown error';
  return new FileWriterError('IO', `${action} ${path}: ${errno}`, { path, cause });
}
