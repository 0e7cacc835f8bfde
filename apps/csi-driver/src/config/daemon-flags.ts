import {
  boolFlag,
  FlagError,
  type FlagSpecs,
  type FlagValue,
  numberFlag,
  type ParsedFlags,
  parseFlags,
  stringFlag,
} from '../flags/flag-parser.js';
import {
  DEFAULT_API_SERVER_HOST,
  DEFAULT_TOKEN_PROXY_CA_FILE,
  type TokenProxyFlags,
} from '../identity-binding/token-proxy-settings.js';
import type { HttpLimits } from '../observability/http-limits.js';
import { type Endpoint, EndpointError, isLoopbackHost, parseEndpoint } from './endpoint.js';
import {
  ignoredKlogFlagsWarning,
  KLOG_FLAGS,
  klogLogRouting,
  type LogRouting,
  STDERR_ONLY,
} from './klog-flags.js';

// Go's flag.Int takes any number; a negative port disables the server (ours: the reference had no
// way to), 0 asks the kernel for a free port as Go's net.Listen does.
const port = (value: FlagValue): string | undefined =>
  (value as number) <= 65_535
    ? undefined
    : 'must be a port up to 65535 (0 = any free port, negative = disabled)';
const positiveDuration = (value: FlagValue): string | undefined =>
  (value as number) > 0 ? undefined : 'must be greater than 0';
const nonNegativeDuration = (value: FlagValue): string | undefined =>
  (value as number) >= 0 ? undefined : 'must not be negative';
const httpUrl = (value: FlagValue): string | undefined => {
  const text = value as string;
  return URL.canParse(text) && /^https?:$/.test(new URL(text).protocol)
    ? undefined
    : 'must be an http:// or https:// URL';
};

/** The daemon's flags: the reference provider's names and defaults, then ours. */
export const DAEMON_FLAGS: FlagSpecs = {
  endpoint: {
    kind: 'string',
    defaultText: 'unix:///tmp/azure.sock',
    usage: 'gRPC endpoint, unix:///path/to.sock or tcp://host:port',
  },
  'construct-pem-chain': {
    kind: 'bool',
    defaultText: 'true',
    usage: 'write a certificate with its whole chain in PEM, leaf first',
  },
  'write-cert-and-key-in-separate-files': {
    kind: 'bool',
    defaultText: 'false',
    usage: 'also write <name>.crt and <name>.key for certificates with a private key',
  },
  'cloud-name': {
    kind: 'string',
    defaultText: 'AzurePublicCloud',
    usage: 'default cloud when a SecretProviderClass sets no cloudName',
  },
  'healthz-port': {
    kind: 'int',
    defaultText: '8989',
    usage: 'health HTTP port (0 = any free port, -1 = no health server)',
    validate: port,
  },
  'healthz-path': {
    kind: 'string',
    defaultText: '/healthz',
    usage: 'health HTTP path',
    validate: (value) => ((value as string).startsWith('/') ? undefined : 'must start with /'),
  },
  'healthz-timeout': {
    kind: 'duration',
    defaultText: '5s',
    usage: 'how long a health probe waits for the gRPC server',
    validate: positiveDuration,
  },
  'metrics-backend': {
    kind: 'string',
    defaultText: 'Prometheus',
    usage: 'metrics backend (Prometheus only)',
  },
  'prometheus-port': {
    kind: 'int',
    defaultText: '8898',
    usage: 'metrics HTTP port (0 = any free port, -1 = no metrics server)',
    validate: port,
  },
  'log-format-json': { kind: 'bool', defaultText: 'false', usage: 'log JSON lines instead of text' },
  'log-json-split-stream': {
    kind: 'bool',
    defaultText: 'false',
    usage: 'with --log-format-json: error lines on standard error, the others on standard output',
  },
  v: {
    kind: 'int',
    defaultText: '0',
    usage: 'log verbosity: 0 info, 2 configuration, 4 debug, 5 per-object trace',
    validate: (value) => ((value as number) >= 0 ? undefined : 'must not be negative'),
  },
  'custom-user-agent': { kind: 'string', defaultText: '', usage: 'appended to the Key Vault user agent' },
  version: { kind: 'bool', defaultText: 'false', usage: 'print the version as JSON and exit' },
  'enable-pprof': { kind: 'bool', defaultText: 'false', usage: 'accepted for compatibility, ignored' },
  'pprof-port': {
    kind: 'int',
    defaultText: '6060',
    usage: 'accepted for compatibility, ignored',
    validate: port,
  },
  'token-proxy-url': {
    kind: 'string',
    defaultText: '',
    usage: 'identity binding: token proxy URL ("" = https://kubernetes.default.svc.cluster.local)',
  },
  'sni-name': {
    kind: 'string',
    defaultText: '',
    usage:
      'identity binding: token proxy TLS server name ("" = computed from the API server certificate\'s cluster ID)',
  },
  'token-proxy-ca-file': {
    kind: 'string',
    defaultText: DEFAULT_TOKEN_PROXY_CA_FILE,
    usage:
      'identity binding: CA bundle trusted for the token proxy and the API server (system roots if missing)',
  },
  'sni-api-server-host': {
    kind: 'string',
    defaultText: DEFAULT_API_SERVER_HOST,
    usage:
      'identity binding: API server host dialled (port $KUBERNETES_SERVICE_PORT, default 443) to compute the SNI name',
  },
  'nmi-endpoint': {
    kind: 'string',
    defaultText: 'http://127.0.0.1:2579',
    usage: 'aad-pod-identity NMI endpoint',
    validate: httpUrl,
  },
  'mount-timeout': {
    kind: 'duration',
    defaultText: '110s',
    usage: 'budget of a Mount that carries no deadline',
    validate: positiveDuration,
  },
  'max-concurrency': {
    kind: 'int',
    defaultText: '64',
    usage: 'Key Vault requests in flight per vault on this node',
    validate: (value) => ((value as number) >= 1 ? undefined : 'must be at least 1'),
  },
  'keyvault-http-version': {
    kind: 'string',
    defaultText: '2',
    usage:
      'HTTP version to Key Vault: 2 (one multiplexed connection per vault, HTTP/1.1 where h2 is not offered) or 1.1 (for proxies that cannot pass h2)',
    validate: (value) => (value === '2' || value === '1.1' ? undefined : 'must be 2 or 1.1'),
  },
  'max-mount-bytes': {
    kind: 'int',
    defaultText: String(4 * 1024 * 1024),
    usage:
      'bytes of files one mount may fetch; more fails RESOURCE_EXHAUSTED (the driver drops a larger answer)',
    validate: (value) => ((value as number) >= 1 ? undefined : 'must be at least 1'),
  },
  'max-inflight-mount-bytes': {
    kind: 'int',
    defaultText: String(8 * 1024 * 1024),
    usage:
      'bytes of files all mounts in flight may hold; a mount waits for room, then fails RESOURCE_EXHAUSTED',
    validate: (value) => ((value as number) >= 1 ? undefined : 'must be at least 1'),
  },
  'max-mount-objects': {
    kind: 'int',
    defaultText: '1000',
    usage: 'objects one SecretProviderClass may list; more fails INVALID_ARGUMENT before any request',
    validate: (value) => ((value as number) >= 1 ? undefined : 'must be at least 1'),
  },
  'token-cache-max-age': {
    kind: 'duration',
    defaultText: '5m',
    usage:
      'longest a cached token is reused after NMI or Azure AD issued it; a removed identity binding or revoked secret takes effect within it',
    validate: positiveDuration,
  },
  'content-cache-ttl': {
    kind: 'duration',
    defaultText: '0s',
    usage:
      'serve what Key Vault answered for this long without asking it again (per identity); 0s: every mount reads Key Vault',
    validate: nonNegativeDuration,
  },
  'content-cache-max-bytes': {
    kind: 'int',
    defaultText: '16777216',
    usage: 'content cache size bound in bytes, least recently used out first',
    validate: (value) => ((value as number) >= 0 ? undefined : 'must not be negative'),
  },
  'content-cache-stale-on-error': {
    kind: 'duration',
    defaultText: '0s',
    usage:
      'when Key Vault fails (5xx, 429, timeout, network), serve an answer fetched less than this long ago; never on 401/403/404; 0s: off',
    validate: nonNegativeDuration,
  },
  'http-bind-address': {
    kind: 'string',
    defaultText: '',
    usage: 'address the health and metrics servers listen on ("" = all interfaces, like the reference)',
  },
  ...KLOG_FLAGS,
  'http-max-connections': {
    kind: 'int',
    defaultText: '32',
    usage: 'open connections per health/metrics listener; over it the oldest is closed',
    validate: (value) => ((value as number) >= 1 ? undefined : 'must be at least 1'),
  },
  'http-header-timeout': {
    kind: 'duration',
    defaultText: '5s',
    usage: 'time a health/metrics client has to send its request headers',
    validate: positiveDuration,
  },
  'http-request-timeout': {
    kind: 'duration',
    defaultText: '10s',
    usage: 'time a health/metrics client has to send its whole request',
    validate: positiveDuration,
  },
  'insecure-tcp-endpoint': {
    kind: 'bool',
    defaultText: 'false',
    usage: 'allow a tcp:// --endpoint on a non-loopback address (the gRPC API has no authentication)',
  },
  help: { kind: 'bool', defaultText: 'false', usage: 'print this help and exit', hidden: true },
  h: { kind: 'bool', defaultText: 'false', usage: 'print this help and exit', hidden: true },
};

export interface HttpListen {
  readonly host: string;
  readonly port: number;
}

/** `--content-cache-*` (extensions §7); all zero or absent: off. */
export interface ContentCacheConfig {
  readonly ttlMs: number;
  readonly maxBytes: number;
  readonly staleOnErrorMs: number;
}

export interface DaemonConfig {
  readonly endpoint: Endpoint;
  readonly constructPemChain: boolean;
  readonly writeCertAndKeyInSeparateFiles: boolean;
  readonly cloudName: string;
  /**
   * `AZURE_ENVIRONMENT_FILEPATH` at start-up: the custom cloud file for `--cloud-name=AzureStackCloud`
   * and for SecretProviderClasses with `cloudName: AzureStackCloud` and no `cloudEnvFileName`.
   */
  readonly cloudEnvironmentFile?: string;
  /** `null` when `--healthz-port` is negative; port 0 = any free port. */
  readonly healthz: (HttpListen & { readonly path: string; readonly timeoutMs: number }) | null;
  /** `null` when `--prometheus-port` is negative; port 0 = any free port. */
  readonly metrics: HttpListen | null;
  /** Bounds of the health and metrics listeners (default DEFAULT_HTTP_LIMITS). */
  readonly httpLimits?: HttpLimits;
  readonly logFormatJson: boolean;
  /** `--log-json-split-stream`: JSON info lines on stdout (the reference's JSON logger used stderr only). */
  readonly logJsonSplitStream?: boolean;
  /** Where text log lines go (klog's output flags); JSON lines ignore it, as in the reference. */
  readonly logRouting?: LogRouting;
  readonly verbosity: number;
  readonly customUserAgent: string;
  readonly nmiEndpoint: string;
  readonly mountTimeoutMs: number;
  readonly maxConcurrency: number;
  /** `--max-mount-bytes`: file bytes one mount may fetch. */
  readonly maxMountBytes: number;
  /** `--max-inflight-mount-bytes`: file bytes all mounts in flight may hold. */
  readonly maxInflightMountBytes: number;
  /** `--max-mount-objects`: objects one mount may list. */
  readonly maxMountObjects: number;
  /** Identity binding (`useAzureTokenProxy`): token proxy, SNI name, CA file. */
  readonly tokenProxy: TokenProxyFlags;
  /** `--token-cache-max-age`: a cached NMI or Azure AD token is reused at most this long after it was issued. */
  readonly tokenCacheMaxAgeMs: number;
  /** Absent: off (configurations built in code before the cache existed). */
  readonly contentCache?: ContentCacheConfig;
  /** `--keyvault-http-version`; absent: `2`. */
  readonly keyVaultHttpVersion?: '2' | '1.1';
  /** How long a stop waits for in-flight mounts before cancelling them. */
  readonly shutdownGraceMs: number;
  /** Things the operator should know about the flags (ignored compatibility flags). */
  readonly warnings: readonly string[];
}

export type DaemonCommandLine =
  | { readonly action: 'serve'; readonly config: DaemonConfig }
  | { readonly action: 'version' }
  | { readonly action: 'help' };

/** Environment variable the reference (go-autorest) reads the AzureStackCloud file path from. */
export const AZURE_ENVIRONMENT_FILEPATH = 'AZURE_ENVIRONMENT_FILEPATH';

/**
 * Parses and validates the daemon's command line; throws FlagError with the text the user sees.
 * `env` is read for `AZURE_ENVIRONMENT_FILEPATH` only.
 */
export function parseDaemonCommandLine(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>> = {},
): DaemonCommandLine {
  const flags = parseFlags(args, DAEMON_FLAGS);
  if (flags.positionals.length > 0) {
    throw new FlagError(`unexpected argument: ${flags.positionals[0]} (the daemon takes only flags)`);
  }
  if (boolFlag(flags, 'help') || boolFlag(flags, 'h')) return { action: 'help' };
  if (boolFlag(flags, 'version')) return { action: 'version' };

  let endpoint: Endpoint;
  try {
    endpoint = parseEndpoint(stringFlag(flags, 'endpoint'));
  } catch (error) {
    if (error instanceof EndpointError) throw new FlagError(error.message);
    throw error;
  }
  // Anyone who can reach the port could mount any SecretProviderClass's secrets: loopback only
  // unless the operator says otherwise.
  if (
    endpoint.kind === 'tcp' &&
    !isLoopbackHost(endpoint.host) &&
    !boolFlag(flags, 'insecure-tcp-endpoint')
  ) {
    throw new FlagError(
      `refusing tcp endpoint ${stringFlag(flags, 'endpoint')}: not a loopback address and the gRPC API has no ` +
        'authentication; use a unix:// endpoint, a loopback address, or --insecure-tcp-endpoint',
    );
  }
  const headersTimeoutMs = numberFlag(flags, 'http-header-timeout');
  const requestTimeoutMs = numberFlag(flags, 'http-request-timeout');
  if (requestTimeoutMs < headersTimeoutMs) {
    throw new FlagError('--http-request-timeout must not be shorter than --http-header-timeout');
  }
  const backend = stringFlag(flags, 'metrics-backend');
  if (backend.toLowerCase() !== 'prometheus') throw new FlagError(`unsupported metrics backend ${backend}`);

  const host = stringFlag(flags, 'http-bind-address');
  const healthzPort = numberFlag(flags, 'healthz-port');
  const prometheusPort = numberFlag(flags, 'prometheus-port');
  const warnings: string[] = [];
  if (flags.given.has('enable-pprof') || flags.given.has('pprof-port')) {
    warnings.push('--enable-pprof and --pprof-port are accepted for compatibility and ignored');
  }
  const logFormatJson = boolFlag(flags, 'log-format-json');
  let logRouting = klogLogRouting(flags, logFormatJson ? [] : warnings);
  if (logFormatJson) {
    // The reference's JSON logger receives every line; klog's output flags no longer apply.
    const outputFlags = [
      'logtostderr',
      'alsologtostderr',
      'stderrthreshold',
      'log_file',
      'log_file_max_size',
    ];
    const given = outputFlags.filter((name) => flags.given.has(name));
    if (given.length > 0) {
      warnings.push(
        `${given.map((name) => `--${name}`).join(', ')} ha${given.length === 1 ? 's' : 've'} no effect with --log-format-json (as in the reference)`,
      );
    }
    logRouting = STDERR_ONLY;
  }
  const ignored = ignoredKlogFlagsWarning(flags);
  if (ignored !== undefined) warnings.push(ignored);
  if (flags.given.has('log-json-split-stream') && !logFormatJson) {
    warnings.push('--log-json-split-stream has no effect without --log-format-json');
  }
  const maxMountBytes = numberFlag(flags, 'max-mount-bytes');
  const maxInflightMountBytes = numberFlag(flags, 'max-inflight-mount-bytes');
  if (maxInflightMountBytes < maxMountBytes) {
    throw new FlagError(
      `invalid value "${maxInflightMountBytes}" for flag -max-inflight-mount-bytes: must be at least -max-mount-bytes (${maxMountBytes})`,
    );
  }
  return {
    action: 'serve',
    config: {
      endpoint,
      constructPemChain: boolFlag(flags, 'construct-pem-chain'),
      writeCertAndKeyInSeparateFiles: boolFlag(flags, 'write-cert-and-key-in-separate-files'),
      cloudName: stringFlag(flags, 'cloud-name'),
      cloudEnvironmentFile: env[AZURE_ENVIRONMENT_FILEPATH] ?? '',
      healthz:
        healthzPort < 0
          ? null
          : {
              host,
              port: healthzPort,
              path: stringFlag(flags, 'healthz-path'),
              timeoutMs: numberFlag(flags, 'healthz-timeout'),
            },
      metrics: prometheusPort < 0 ? null : { host, port: prometheusPort },
      httpLimits: {
        maxConnections: numberFlag(flags, 'http-max-connections'),
        headersTimeoutMs,
        requestTimeoutMs,
      },
      logFormatJson,
      logJsonSplitStream: boolFlag(flags, 'log-json-split-stream'),
      logRouting,
      verbosity: numberFlag(flags, 'v'),
      customUserAgent: stringFlag(flags, 'custom-user-agent'),
      nmiEndpoint: stringFlag(flags, 'nmi-endpoint'),
      mountTimeoutMs: numberFlag(flags, 'mount-timeout'),
      maxConcurrency: numberFlag(flags, 'max-concurrency'),
      maxMountBytes,
      maxInflightMountBytes,
      maxMountObjects: numberFlag(flags, 'max-mount-objects'),
      tokenProxy: tokenProxyFlags(flags),
      tokenCacheMaxAgeMs: numberFlag(flags, 'token-cache-max-age'),
      keyVaultHttpVersion: stringFlag(flags, 'keyvault-http-version') as '2' | '1.1',
      contentCache: {
        ttlMs: numberFlag(flags, 'content-cache-ttl'),
        maxBytes: numberFlag(flags, 'content-cache-max-bytes'),
        staleOnErrorMs: numberFlag(flags, 'content-cache-stale-on-error'),
      },
      shutdownGraceMs: 10_000,
      warnings,
    },
  };
}

/** The identity-binding flags, shared with `csi-driver mount`. */
export function tokenProxyFlags(flags: ParsedFlags): TokenProxyFlags {
  return {
    url: stringFlag(flags, 'token-proxy-url'),
    sniName: stringFlag(flags, 'sni-name'),
    caFile: stringFlag(flags, 'token-proxy-ca-file'),
    apiServerHost: stringFlag(flags, 'sni-api-server-host'),
  };
}
