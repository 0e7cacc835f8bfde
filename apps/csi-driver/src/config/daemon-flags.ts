import {
  boolFlag,
  FlagError,
  type FlagSpecs,
  type FlagValue,
  numberFlag,
  parseFlags,
  stringFlag,
} from '../flags/flag-parser.js';
import { type Endpoint, EndpointError, parseEndpoint } from './endpoint.js';

const port = (value: FlagValue): string | undefined =>
  (value as number) >= 0 && (value as number) <= 65_535 ? undefined : 'must be a port between 0 and 65535';
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
  'healthz-port': { kind: 'int', defaultText: '8989', usage: 'health HTTP port, 0 disables', validate: port },
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
    usage: 'metrics HTTP port, 0 disables',
    validate: port,
  },
  'log-format-json': { kind: 'bool', defaultText: 'false', usage: 'log JSON lines instead of text' },
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
  'token-proxy-url': { kind: 'string', defaultText: '', usage: 'accepted for compatibility, not used yet' },
  'sni-name': { kind: 'string', defaultText: '', usage: 'accepted for compatibility, not used yet' },
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
  /** `null` when `--healthz-port=0`. */
  readonly healthz: (HttpListen & { readonly path: string; readonly timeoutMs: number }) | null;
  /** `null` when `--prometheus-port=0`. */
  readonly metrics: HttpListen | null;
  readonly logFormatJson: boolean;
  readonly verbosity: number;
  readonly customUserAgent: string;
  readonly nmiEndpoint: string;
  readonly mountTimeoutMs: number;
  readonly maxConcurrency: number;
  /** Absent: off (configurations built in code before the cache existed). */
  readonly contentCache?: ContentCacheConfig;
  /** How long a stop waits for in-flight mounts before cancelling them. */
  readonly shutdownGraceMs: number;
  /** Things the operator should know about the flags (ignored compatibility flags). */
  readonly warnings: readonly string[];
}

export type DaemonCommandLine =
  | { readonly action: 'serve'; readonly config: DaemonConfig }
  | { readonly action: 'version' }
  | { readonly action: 'help' };

/** Parses and validates the daemon's command line; throws FlagError with the text the user sees. */
export function parseDaemonCommandLine(args: readonly string[]): DaemonCommandLine {
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
  const backend = stringFlag(flags, 'metrics-backend');
  if (backend.toLowerCase() !== 'prometheus') throw new FlagError(`unsupported metrics backend ${backend}`);

  const host = stringFlag(flags, 'http-bind-address');
  const healthzPort = numberFlag(flags, 'healthz-port');
  const prometheusPort = numberFlag(flags, 'prometheus-port');
  const warnings: string[] = [];
  if (flags.given.has('enable-pprof') || flags.given.has('pprof-port')) {
    warnings.push('--enable-pprof and --pprof-port are accepted for compatibility and ignored');
  }
  for (const name of ['token-proxy-url', 'sni-name']) {
    if (stringFlag(flags, name) !== '') warnings.push(`--${name} is not used yet (identity binding)`);
  }
  return {
    action: 'serve',
    config: {
      endpoint,
      constructPemChain: boolFlag(flags, 'construct-pem-chain'),
      writeCertAndKeyInSeparateFiles: boolFlag(flags, 'write-cert-and-key-in-separate-files'),
      cloudName: stringFlag(flags, 'cloud-name'),
      healthz:
        healthzPort === 0
          ? null
          : {
              host,
              port: healthzPort,
              path: stringFlag(flags, 'healthz-path'),
              timeoutMs: numberFlag(flags, 'healthz-timeout'),
            },
      metrics: prometheusPort === 0 ? null : { host, port: prometheusPort },
      logFormatJson: boolFlag(flags, 'log-format-json'),
      verbosity: numberFlag(flags, 'v'),
      customUserAgent: stringFlag(flags, 'custom-user-agent'),
      nmiEndpoint: stringFlag(flags, 'nmi-endpoint'),
      mountTimeoutMs: numberFlag(flags, 'mount-timeout'),
      maxConcurrency: numberFlag(flags, 'max-concurrency'),
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
