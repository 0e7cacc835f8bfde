import type { Dirent } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';

/** Larger manifest files are refused (a Kubernetes object is at most ~1.5 MiB). */
export const MAX_LINT_FILE_BYTES = 16 * 1024 * 1024;

/** Files found under one directory at most (bounds a walk of a huge tree). */
export const MAX_LINT_DIRECTORY_FILES = 10_000;

/** Label of the `-` input in findings and reports. */
export const STDIN_NAME = '<stdin>';

/** Directories a walk never enters: VCS metadata, hidden folders, installed packages. */
const SKIPPED_DIRECTORY = (name: string) => name.startsWith('.') || name === 'node_modules';
const MANIFEST_FILE = /\.ya?ml$/i;

export interface LintInput {
  /** The path as given, or found under a given directory; `<stdin>` for `-`. */
  readonly name: string;
  /** Named on the command line (a missing SecretProviderClass is worth a warning), not found in a walk. */
  readonly explicit: boolean;
  readonly read: () => Promise<string>;
}

/** An input that cannot be read or walked: exit code 2. */
export class LintInputError extends Error {
  override readonly name = 'LintInputError';
  readonly code = 'LINT_INPUT';
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`${file}: ${reason}`);
  }
}

/**
 * The manifests to lint for the command line's paths: `-` is stdin, a file is itself, a directory
 * is every `*.yaml`/`*.yml` below it (sorted; hidden directories, `node_modules` and symbolic links
 * to directories are not entered). Paths that do not exist become failures, not exceptions.
 */
export async function resolveLintInputs(
  paths: readonly string[],
  stdin: () => Promise<string>,
): Promise<{ inputs: LintInput[]; failures: LintInputError[] }> {
  const inputs: LintInput[] = [];
  const failures: LintInputError[] = [];
  for (const given of paths) {
    if (given === '-') {
      inputs.push({ name: STDIN_NAME, explicit: true, read: stdin });
      continue;
    }
    let isDirectory: boolean;
    try {
      isDirectory = (await stat(given)).isDirectory();
    } catch (error) {
      failures.push(new LintInputError(given, `cannot read: ${errorCode(error)}`));
      continue;
    }
    if (!isDirectory) {
      inputs.push({ name: given, explicit: true, read: () => readManifestFile(given) });
      continue;
    }
    try {
      for (const file of await walk(given)) {
        inputs.push({ name: file, explicit: false, read: () => readManifestFile(file) });
      }
    } catch (error) {
      failures.push(error instanceof LintInputError ? error : new LintInputError(given, errorCode(error)));
    }
  }
  return { inputs, failures };
}

async function walk(root: string): Promise<string[]> {
  const found: string[] = [];
  const pending = [root];
  while (pending.length > 0) {
    const directory = pending.pop()!;
    let entries: Dirent[];
    try {
      entries = await readdir(directory, { withFileTypes: true });
    } catch (error) {
      throw new LintInputError(directory, `cannot read the directory: ${errorCode(error)}`);
    }
    const subdirectories: string[] = [];
    for (const entry of entries) {
      const full = path.join(directory, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRECTORY(entry.name)) subdirectories.push(full);
      } else if (MANIFEST_FILE.test(entry.name) && (entry.isFile() || (await isFileLink(full)))) {
        found.push(full);
        if (found.length > MAX_LINT_DIRECTORY_FILES) {
          throw new LintInputError(root, `more than ${MAX_LINT_DIRECTORY_FILES} manifest files`);
        }
      }
    }
    pending.push(...subdirectories);
  }
  return found.sort();
}

async function isFileLink(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

/** Reads a manifest as UTF-8, refusing files over {@link MAX_LINT_FILE_BYTES}. */
async function readManifestFile(file: string): Promise<string> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    throw new LintInputError(file, `cannot read: ${errorCode(error)}`);
  }
  try {
    const { size } = await handle.stat();
    if (size > MAX_LINT_FILE_BYTES) {
      throw new LintInputError(file, `larger than ${MAX_LINT_FILE_BYTES} bytes (${size})`);
    }
    return await handle.readFile('utf8');
  } catch (error) {
    throw error instanceof LintInputError
      ? error
      : new LintInputError(file, `cannot read: ${errorCode(error)}`);
  } finally {
    await handle.close();
  }
}

/** Reads all of a stream (stdin) as UTF-8, up to {@link MAX_LINT_FILE_BYTES}. */
export async function readStream(stream: AsyncIterable<Buffer | string>): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += buffer.byteLength;
    if (size > MAX_LINT_FILE_BYTES) {
      throw new LintInputError(STDIN_NAME, `larger than ${MAX_LINT_FILE_BYTES} bytes`);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
}
