import { readFile, stat } from 'node:fs/promises';
import { apiServerDnsNames } from './api-server-probe.js';
import { goPathError, validCertificatesPem } from './ca-bundle.js';
import { clusterIdFromDnsNames, sniNameForClusterId } from './sni-name.js';

/** The token proxy the reference uses when `--token-proxy-url` is empty (port 443). */
export const DEFAULT_TOKEN_PROXY_URL = 'https://kubernetes.default.svc.cluster.local';
/** The reference's fixed CA path; ours is `--token-proxy-ca-file`'s default. */
export const DEFAULT_TOKEN_PROXY_CA_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt';
/** Where the reference reads the cluster ID from; ours is `--sni-api-server-host`'s default. */
export const DEFAULT_API_SERVER_HOST = 'kubernetes.default.svc.cluster.local';
const API_SERVER_DIAL_TIMEOUT_MS = 10_000;

/** The daemon's identity-binding flags. */
export interface TokenProxyFlags {
  /** `--token-proxy-url`; `""` = DEFAULT_TOKEN_PROXY_URL. */
  readonly url: string;
  /** `--sni-name`; `""` = computed from the API server's certificate. */
  readonly sniName: string;
  /** `--token-proxy-ca-file`. */
  readonly caFile: string;
  /** `--sni-api-server-host`: the API server dialled (and verified) to compute the SNI name. */
  readonly apiServerHost: string;
}

/** What every identity-binding token request uses, settled once per process. */
export interface TokenProxySettings {
  /** https, no user info, query or fragment; path at least `/`. */
  readonly proxyUrl: URL;
  /** TLS server name (SNI and certificate name check) for the proxy. */
  readonly sniName: string;
  readonly sniSource: 'flag' | 'computed';
  /** The CA file when it existed at start-up (re-read before each request); undefined = system roots. */
  readonly caFile: string | undefined;
  /** Its certificates at start-up. */
  readonly ca: readonly string[] | undefined;
}

/** A start-up failure: stored and reported on identity-binding mounts only. Reference texts. */
export class TokenProxyStartupError extends Error {
  override readonly name = 'TokenProxyStartupError';
  readonly code = 'TOKEN_PROXY_STARTUP';
}

export interface PrepareTokenProxyOptions {
  /** Where `KUBERNETES_SERVICE_PORT` is read (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly apiServerTimeoutMs?: number;
}

/**
 * The reference's start-up of identity binding: the SNI name (flag, else computed from the
 * cluster ID in the API server's certificate), the proxy URL and the CA file. Throws
 * TokenProxyStartupError with the reference's texts; the caller stores it.
 */
export async function prepareTokenProxy(
  flags: TokenProxyFlags,
  options: PrepareTokenProxyOptions = {},
): Promise<TokenProxySettings> {
  const env = options.env ?? process.env;
  let sniName = flags.sniName;
  const sniSource = sniName === '' ? 'computed' : 'flag';
  if (sniName === '') {
    sniName = await computeSniName(flags, env['KUBERNETES_SERVICE_PORT'] || '443', options);
  }
  const proxyUrl = parseProxyUrl(flags.url === '' ? DEFAULT_TOKEN_PROXY_URL : flags.url);
  const ca = await readCaIfPresent(flags.caFile);
  return {
    proxyUrl,
    sniName,
    sniSource,
    caFile: ca === undefined ? undefined : flags.caFile,
    ca,
  };
}

async function computeSniName(
  flags: TokenProxyFlags,
  port: string,
  options: PrepareTokenProxyOptions,
): Promise<string> {
  const wrap = (reason: string) =>
    new TokenProxyStartupError(`compute SNI name: extract cluster ID from API server certificate: ${reason}`);
  let bytes: Buffer;
  try {
    bytes = await readFile(flags.caFile);
  } catch (error) {
    throw wrap(
      `read CA file ${flags.caFile}: ${goPathError('open', flags.caFile, error)} (use --sni-name flag to skip automatic SNI detection)`,
    );
  }
  const ca = validCertificatesPem(bytes);
  if (ca.length === 0) throw wrap(`no valid certificates found in ${flags.caFile}`);
  const portNumber = /^\d{1,5}$/.test(port) ? Number(port) : Number.NaN;
  if (!(portNumber > 0 && portNumber < 65_536)) {
    throw wrap(`TLS connect to API server: dial tcp: address ${port}: invalid port`);
  }
  let dnsNames: string[];
  try {
    dnsNames = await apiServerDnsNames({
      host: flags.apiServerHost,
      port: portNumber,
      ca,
      timeoutMs: options.apiServerTimeoutMs ?? API_SERVER_DIAL_TIMEOUT_MS,
    });
  } catch (error) {
    throw wrap((error as Error).message);
  }
  const found = clusterIdFromDnsNames(dnsNames);
  if (!found.ok) {
    throw found.reason.startsWith('empty')
      ? wrap(found.reason)
      : new TokenProxyStartupError(`compute SNI name: ${found.reason}`);
  }
  return sniNameForClusterId(found.clusterId);
}

const SDK_WRAP = 'create throwaway credential for proxy transport extraction: ';

/** The SDK's checks of the custom token endpoint (reference texts, under the reference's wrap). */
export function parseProxyUrl(text: string): URL {
  const fail = (reason: string) => new TokenProxyStartupError(`${SDK_WRAP}${reason}`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw fail(`failed to parse custom token proxy URL "${text}": invalid URL`);
  }
  const scheme = url.protocol.slice(0, -1);
  if (scheme !== 'https') throw fail(`custom token endpoint must use https scheme, got "${scheme}"`);
  if (url.username !== '' || url.password !== '')
    throw fail(`custom token endpoint URL "${text}" must not contain user info`);
  if (url.search !== '' || text.includes('?'))
    throw fail(`custom token endpoint URL "${text}" must not contain a query`);
  if (url.hash !== '' || text.includes('#'))
    throw fail(`custom token endpoint URL "${text}" must not contain a fragment`);
  return url;
}

/**
 * The CA file's certificates, or undefined when it does not exist (system roots then, like the
 * reference). Throws TokenProxyStartupError for a file that exists but is unusable.
 */
async function readCaIfPresent(caFile: string): Promise<string[] | undefined> {
  try {
    await stat(caFile);
  } catch {
    return undefined;
  }
  const result = await readCaFile(caFile);
  if (!result.ok) throw new TokenProxyStartupError(`${SDK_WRAP}${result.reason}`);
  return result.certificates;
}

export type CaFileResult =
  | { readonly ok: true; readonly bytes: Buffer; readonly certificates: string[] }
  | { readonly ok: false; readonly empty: boolean; readonly reason: string };

/** Reads and parses the CA file; reasons are the SDK's texts. */
export async function readCaFile(caFile: string): Promise<CaFileResult> {
  let bytes: Buffer;
  try {
    bytes = await readFile(caFile);
  } catch (error) {
    return {
      ok: false,
      empty: false,
      reason: `read CA file "${caFile}": ${goPathError('open', caFile, error)}`,
    };
  }
  if (bytes.length === 0) return { ok: false, empty: true, reason: `CA file "${caFile}" is empty` };
  const certificates = validCertificatesPem(bytes);
  if (certificates.length === 0) {
    return { ok: false, empty: false, reason: `parse CA file "${caFile}": no valid certificates found` };
  }
  return { ok: true, bytes, certificates };
}
