import { DAEMON_FLAGS, tokenProxyFlags } from '../config/daemon-flags.js';
import {
  boolFlag,
  FlagError,
  type FlagSpecs,
  type FlagValue,
  numberFlag,
  parseFlags,
  stringFlag,
} from '../flags/flag-parser.js';
import type { TokenProxyFlags } from '../identity-binding/token-proxy-settings.js';

const required = (value: FlagValue): string | undefined =>
  (value as string) === '' ? 'must not be empty' : undefined;

/** Flags of `csi-driver mount`; the daemon's own flags keep their names and defaults. */
export const MOUNT_FLAGS: FlagSpecs = {
  spc: {
    kind: 'string',
    defaultText: '',
    usage: 'SecretProviderClass manifest (YAML, may hold several documents)',
  },
  'secret-provider-class': {
    kind: 'string',
    defaultText: '',
    usage: 'which SecretProviderClass of the manifest to use (required when it holds more than one)',
  },
  'pod-name': { kind: 'string', defaultText: '', usage: 'pod name sent to NMI (required)' },
  'pod-namespace': { kind: 'string', defaultText: '', usage: 'pod namespace sent to NMI (required)' },
  'pod-uid': { kind: 'string', defaultText: '', usage: 'pod UID, as kubelet would send it' },
  'service-account': {
    kind: 'string',
    defaultText: '',
    usage: 'pod service account name, as kubelet would send it',
  },
  'target-path': { kind: 'string', defaultText: '', usage: 'directory the files are written to (required)' },
  watch: { kind: 'bool', defaultText: 'false', usage: 'keep running and rewrite the files when they change' },
  interval: {
    kind: 'duration',
    defaultText: '2m',
    usage: 'time between two fetches with --watch',
    validate: (value) => ((value as number) >= 1000 ? undefined : 'must be at least 1s'),
  },
  permission: {
    kind: 'int',
    defaultText: '420',
    usage: 'default file mode in decimal, like the driver (420 = 0644)',
    validate: (value) => ((value as number) >= 0 && (value as number) <= 511 ? undefined : 'must be 0..511'),
  },
  'nmi-endpoint': DAEMON_FLAGS['nmi-endpoint']!,
  'cloud-name': DAEMON_FLAGS['cloud-name']!,
  'construct-pem-chain': DAEMON_FLAGS['construct-pem-chain']!,
  'write-cert-and-key-in-separate-files': DAEMON_FLAGS['write-cert-and-key-in-separate-files']!,
  'custom-user-agent': DAEMON_FLAGS['custom-user-agent']!,
  'mount-timeout': { ...DAEMON_FLAGS['mount-timeout']!, usage: 'budget of one fetch' },
  'max-concurrency': DAEMON_FLAGS['max-concurrency']!,
  'token-proxy-url': DAEMON_FLAGS['token-proxy-url']!,
  'sni-name': DAEMON_FLAGS['sni-name']!,
  'token-proxy-ca-file': DAEMON_FLAGS['token-proxy-ca-file']!,
  'sni-api-server-host': DAEMON_FLAGS['sni-api-server-host']!,
  'token-cache-max-age': DAEMON_FLAGS['token-cache-max-age']!,
  'log-format-json': DAEMON_FLAGS['log-format-json']!,
  v: DAEMON_FLAGS['v']!,
  help: { kind: 'bool', defaultText: 'false', usage: 'print this help and exit', hidden: true },
  h: { kind: 'bool', defaultText: 'false', usage: 'print this help and exit', hidden: true },
};

export interface MountCommandConfig {
  readonly spcFile: string;
  readonly secretProviderClass: string;
  readonly pod: {
    readonly name: string;
    readonly namespace: string;
    readonly uid: string;
    readonly serviceAccount: string;
  };
  readonly targetPath: string;
  readonly watch: boolean;
  readonly intervalMs: number;
  readonly permission: number;
  readonly nmiEndpoint: string;
  readonly cloudName: string;
  readonly constructPemChain: boolean;
  readonly writeCertAndKeyInSeparateFiles: boolean;
  readonly customUserAgent: string;
  readonly mountTimeoutMs: number;
  readonly tokenCacheMaxAgeMs: number;
  readonly maxConcurrency: number;
  readonly tokenProxy: TokenProxyFlags;
  readonly logFormatJson: boolean;
  readonly verbosity: number;
}

export function parseMountCommandLine(args: readonly string[]): MountCommandConfig | 'help' {
  const flags = parseFlags(args, MOUNT_FLAGS);
  if (boolFlag(flags, 'help') || boolFlag(flags, 'h')) return 'help';
  if (flags.positionals.length > 0) throw new FlagError(`unexpected argument: ${flags.positionals[0]}`);
  for (const name of ['spc', 'pod-name', 'pod-namespace', 'target-path']) {
    const problem = required(stringFlag(flags, name));
    if (problem !== undefined) throw new FlagError(`--${name} is required`);
  }
  if (flags.given.has('interval') && !boolFlag(flags, 'watch'))
    throw new FlagError('--interval needs --watch');
  return {
    spcFile: stringFlag(flags, 'spc'),
    secretProviderClass: stringFlag(flags, 'secret-provider-class'),
    pod: {
      name: stringFlag(flags, 'pod-name'),
      namespace: stringFlag(flags, 'pod-namespace'),
      uid: stringFlag(flags, 'pod-uid'),
      serviceAccount: stringFlag(flags, 'service-account'),
    },
    targetPath: stringFlag(flags, 'target-path'),
    watch: boolFlag(flags, 'watch'),
    intervalMs: numberFlag(flags, 'interval'),
    permission: numberFlag(flags, 'permission'),
    nmiEndpoint: stringFlag(flags, 'nmi-endpoint'),
    cloudName: stringFlag(flags, 'cloud-name'),
    constructPemChain: boolFlag(flags, 'construct-pem-chain'),
    writeCertAndKeyInSeparateFiles: boolFlag(flags, 'write-cert-and-key-in-separate-files'),
    customUserAgent: stringFlag(flags, 'custom-user-agent'),
    mountTimeoutMs: numberFlag(flags, 'mount-timeout'),
    maxConcurrency: numberFlag(flags, 'max-concurrency'),
    tokenProxy: tokenProxyFlags(flags),
    tokenCacheMaxAgeMs: numberFlag(flags, 'token-cache-max-age'),
    logFormatJson: boolFlag(flags, 'log-format-json'),
    verbosity: numberFlag(flags, 'v'),
  };
}
