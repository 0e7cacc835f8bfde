import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import type { CloudEnvironment } from './mount-plan.js';
import { echo } from './private/echo.js';
import { goQuote, goToUpper } from './private/go-text.js';
import { SpcError } from './spc-error.js';

export type BuiltInCloudName =
  | 'AzurePublicCloud'
  | 'AzureUSGovernmentCloud'
  | 'AzureChinaCloud'
  | 'AzureGermanCloud';

/** The built-in clouds (docs/deployment.md §5). */
export const CLOUDS: Readonly<Record<BuiltInCloudName, CloudEnvironment>> = Object.freeze({
  AzurePublicCloud: Object.freeze({
    name: 'AzurePublicCloud',
    keyVaultDnsSuffix: 'vault.azure.net',
    keyVaultResource: 'https://vault.azure.net',
    activeDirectoryEndpoint: 'https://login.microsoftonline.com/',
  }),
  AzureUSGovernmentCloud: Object.freeze({
    name: 'AzureUSGovernmentCloud',
    keyVaultDnsSuffix: 'vault.usgovcloudapi.net',
    keyVaultResource: 'https://vault.usgovcloudapi.net',
    activeDirectoryEndpoint: 'https://login.microsoftonline.us/',
  }),
  AzureChinaCloud: Object.freeze({
    name: 'AzureChinaCloud',
    keyVaultDnsSuffix: 'vault.azure.cn',
    keyVaultResource: 'https://vault.azure.cn',
    activeDirectoryEndpoint: 'https://login.chinacloudapi.cn/',
  }),
  AzureGermanCloud: Object.freeze({
    name: 'AzureGermanCloud',
    keyVaultDnsSuffix: 'vault.microsoftazure.de',
    keyVaultResource: 'https://vault.microsoftazure.de',
    activeDirectoryEndpoint: 'https://login.microsoftonline.de/',
  }),
});

// autorest's table, keyed by upper-case name (it also knows the Azure CLI spellings).
const BY_UPPER_NAME: ReadonlyMap<string, CloudEnvironment> = new Map([
  ['AZURECHINACLOUD', CLOUDS.AzureChinaCloud],
  ['AZUREGERMANCLOUD', CLOUDS.AzureGermanCloud],
  ['AZURECLOUD', CLOUDS.AzurePublicCloud],
  ['AZUREPUBLICCLOUD', CLOUDS.AzurePublicCloud],
  ['AZUREUSGOVERNMENT', CLOUDS.AzureUSGovernmentCloud],
  ['AZUREUSGOVERNMENTCLOUD', CLOUDS.AzureUSGovernmentCloud],
]);

export const CUSTOM_CLOUD_NAME = 'AzureStackCloud';

/** Reads a text file; throws a Node-style error (with `code`, e.g. `ENOENT`) when it cannot. */
export type ReadTextFile = (path: string) => string;

/** Largest custom cloud file read (real ones are < 2 KiB). */
export const MAX_CLOUD_FILE_BYTES = 1 << 20;

/**
 * Reads a custom cloud file with the checks an untrusted path needs: never blocks on a FIFO, never
 * follows a symbolic link in its last component when `followSymlinks` is false (O_NOFOLLOW: the
 * link itself is refused, the check and the open are one system call), checks the type of what was
 * opened on its descriptor before reading a byte (regular files only: no device, directory or
 * socket), and reads at most MAX_CLOUD_FILE_BYTES.
 */
function readCloudFile(path: string, followSymlinks: boolean): string {
  const flags = constants.O_RDONLY | constants.O_NONBLOCK | (followSymlinks ? 0 : constants.O_NOFOLLOW);
  let fd: number;
  try {
    fd = openSync(path, flags);
  } catch (error) {
    // Linux answers ELOOP for a final symbolic link under O_NOFOLLOW.
    if (!followSymlinks && (error as { code?: unknown }).code === 'ELOOP') {
      throw Object.assign(new Error('symbolic link'), { code: 'ESYMLINK' });
    }
    throw error;
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    if (!stat.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'ENOTREGULAR' });
    if (stat.size > MAX_CLOUD_FILE_BYTES) throw Object.assign(new Error('file too large'), { code: 'EFBIG' });
    // One byte more than the limit: a file that grew after fstat is still caught.
    const buffer = Buffer.alloc(Math.min(stat.size, MAX_CLOUD_FILE_BYTES) + 1);
    let length = 0;
    while (length < buffer.length) {
      const read = readSync(fd, buffer, length, buffer.length - length, length);
      if (read === 0) break;
      length += read;
    }
    if (length > MAX_CLOUD_FILE_BYTES) throw Object.assign(new Error('file too large'), { code: 'EFBIG' });
    return buffer.subarray(0, length).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/**
 * Reader for a `cloudEnvFileName` a SecretProviderClass names: the SPC author chooses the path and
 * the provider runs as root, so a symbolic link is refused rather than followed.
 */
export const readSpcCloudFile: ReadTextFile = (path) => readCloudFile(path, false);

/**
 * Reader for the operator's `AZURE_ENVIRONMENT_FILEPATH` (set in the provider's own manifest):
 * symbolic links are followed, since a ConfigMap volume presents every file as one; the other
 * checks stay.
 */
export const readOperatorCloudFile: ReadTextFile = (path) => readCloudFile(path, true);

/** True when `name` selects a built-in cloud (case-insensitive), without reading any file. */
export function isBuiltInCloudName(name: string): boolean {
  return BY_UPPER_NAME.has(goToUpper(name));
}

/**
 * Resolves a `cloudName` like the reference (autorest): case-insensitive; `AzureStackCloud` reads
 * the custom cloud JSON `customCloudFile` through `readTextFile` (default: `readSpcCloudFile`).
 * An empty name is the public cloud. Throws `SpcError` with
 * `cloudName <name> is not valid, error: <cause>`.
 */
export function resolveCloud(
  name: string,
  customCloudFile = '',
  readTextFile: ReadTextFile = readSpcCloudFile,
): CloudEnvironment {
  if (name === '') return CLOUDS.AzurePublicCloud;
  const upper = goToUpper(name);
  if (upper === 'AZURESTACKCLOUD') return readCustomCloud(name, customCloudFile, readTextFile);
  const cloud = BY_UPPER_NAME.get(upper);
  if (cloud) return cloud;
  throw new SpcError(
    'UNKNOWN_CLOUD',
    `${invalid(name)}autorest/azure: There is no cloud environment matching the name ${goQuote(echo(upper))}`,
  );
}

function invalid(name: string): string {
  return `cloudName ${echo(name)} is not valid, error: `;
}

function readCustomCloud(name: string, file: string, readTextFile: ReadTextFile): CloudEnvironment {
  let text: string;
  try {
    text = readTextFile(file);
  } catch (error) {
    throw new SpcError('CLOUD_FILE_UNREADABLE', invalid(name) + describeReadError(file, error));
  }
  if (typeof text !== 'string') {
    throw new SpcError('CLOUD_FILE_UNREADABLE', `${invalid(name)}read ${echo(file)}: not a text file`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new SpcError(
      'INVALID_CLOUD_FILE',
      `${invalid(name)}custom cloud file ${echo(file)} is not valid JSON`,
    );
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new SpcError(
      'INVALID_CLOUD_FILE',
      `${invalid(name)}custom cloud file ${echo(file)} is not a JSON object`,
    );
  }
  const fields = parsed as Record<string, unknown>;
  const field = (key: string): string => {
    const value = Object.hasOwn(fields, key) ? fields[key] : undefined;
    if (typeof value === 'string' && value !== '') return value;
    throw new SpcError('INVALID_CLOUD_FILE', `${invalid(name)}custom cloud file ${echo(file)} lacks ${key}`);
  };
  const activeDirectoryEndpoint = field('activeDirectoryEndpoint');
  const keyVaultEndpoint = field('keyVaultEndpoint');
  const keyVaultDnsSuffix = field('keyVaultDNSSuffix');
  const fileName = Object.hasOwn(fields, 'name') && typeof fields.name === 'string' ? fields.name : '';
  return Object.freeze({
    name: fileName === '' ? CUSTOM_CLOUD_NAME : fileName,
    keyVaultDnsSuffix,
    keyVaultResource: keyVaultEndpoint.replace(/\/+$/, ''),
    activeDirectoryEndpoint,
  });
}

// Go's *PathError text for the usual causes; never the file contents.
const ERRNO_TEXT: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOTDIR: 'not a directory',
  ELOOP: 'too many levels of symbolic links',
  ESYMLINK: 'is a symbolic link, which is not followed (name the regular file itself)',
  ENAMETOOLONG: 'file name too long',
  ENOTREGULAR: 'not a regular file',
  EFBIG: `larger than ${MAX_CLOUD_FILE_BYTES} bytes`,
};

function describeReadError(file: string, error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'EISDIR') return `read ${echo(file)}: is a directory`;
  const text = typeof code === 'string' ? (ERRNO_TEXT[code] ?? code) : 'cannot read file';
  return `open ${echo(file)}: ${text}`;
}
