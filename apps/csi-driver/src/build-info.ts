import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export interface BuildInfo {
  /** The apps/csi-driver package version (semver): Version's `runtime_version`. */
  readonly version: string;
  /** When this module was built (its file's modification time), RFC 3339 to the second. */
  readonly buildDate: string;
}

/** Read next to this module (src/ or dist/ alike), never relative to the working directory. */
export function readBuildInfo(): BuildInfo {
  const require = createRequire(import.meta.url);
  const { version } = require('../package.json') as { version: string };
  const modified = statSync(fileURLToPath(import.meta.url)).mtime;
  return { version, buildDate: modified.toISOString().replace(/\.\d{3}Z$/, 'Z') };
}

/** `--version` output, the reference's shape. */
export function formatVersionJson(info: BuildInfo): string {
  return JSON.stringify({ version: info.version, buildDate: info.buildDate }) + '\n';
}
