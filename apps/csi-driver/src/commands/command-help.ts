import { DAEMON_FLAGS } from '../config/daemon-flags.js';
import { type FlagSpecs, formatFlagLines } from '../flags/flag-parser.js';
import { LINT_FLAGS } from './lint-flags.js';
import { MOUNT_FLAGS } from './mount-flags.js';

export type CommandName = 'serve' | 'mount' | 'lint' | 'version' | 'help';

interface CommandHelp {
  /** One line, shown in the command list. */
  readonly summary: string;
  readonly usage: readonly string[];
  /** Paragraphs after the usage. */
  readonly description: readonly string[];
  readonly flags?: FlagSpecs;
  readonly exitCodes?: readonly string[];
  readonly examples: readonly string[];
}

const COMMANDS: Readonly<Record<CommandName, CommandHelp>> = {
  serve: {
    summary: 'run the provider daemon (the default when no command is given)',
    usage: ['csi-driver [flags]', 'csi-driver serve [flags]'],
    description: [
      'Serves the Secrets Store CSI Driver provider API on a unix socket (--endpoint), with the same flags and defaults as the Go provider, so an existing DaemonSet runs it unchanged.',
    ],
    flags: DAEMON_FLAGS,
    exitCodes: ['0  stopped by SIGTERM or SIGINT', '1  bad flag, or start-up failed (a port or the socket)'],
    examples: [
      'csi-driver --endpoint=unix:///provider/azure.sock --healthz-port=8989 --v=2',
      'csi-driver serve --log-format-json --prometheus-port=8898',
    ],
  },
  mount: {
    summary: "fetch a SecretProviderClass's objects and write them into a directory, once or --watch",
    usage: [
      'csi-driver mount --spc <manifest.yaml> --pod-name <name> --pod-namespace <namespace> --target-path <dir> [flags]',
    ],
    description: [
      'Does what the driver and this provider do for one pod, without Kubernetes: reads the SecretProviderClass from a manifest, gets the token from NMI (--nmi-endpoint) like the daemon, fetches the objects from Key Vault and writes them atomically (the ..data symlink swap). A failed run leaves the previous files in place. With --watch it fetches again every --interval and rewrites only on change.',
    ],
    flags: MOUNT_FLAGS,
    exitCodes: [
      '0  files written (or unchanged); --watch: stopped by SIGTERM or SIGINT',
      '1  the mount failed (the error names the object and the cause)',
      '2  usage error, or the manifest could not be read',
    ],
    examples: [
      'csi-driver mount --spc examples/pod-identity/secretproviderclass.yaml --pod-name web-0 --pod-namespace shop --target-path ./secrets',
      'csi-driver mount --spc spc.yaml --secret-provider-class app --pod-name web-0 --pod-namespace shop --target-path /run/secrets --watch --interval 2m',
    ],
  },
  lint: {
    summary: 'check SecretProviderClass manifests offline; text, JSON or GitHub annotations for CI',
    usage: ['csi-driver lint [flags] <file | directory | ->...'],
    description: [
      'Checks every SecretProviderClass as a mount would (parameters, the objects block, secretObjects) and reports each finding at its line and column, inside the objects block too.',
      'Inputs: files (multi-document YAML), directories (every *.yaml and *.yml below them; hidden directories and node_modules are not entered) and - for stdin. Documents of other kinds are skipped; a summary line on stderr says how many SecretProviderClasses were checked. A file named on the command line that holds none gets a warning.',
    ],
    flags: LINT_FLAGS,
    exitCodes: [
      '0  no finding at error level',
      '1  at least one error (or warning, with --warnings-as-errors)',
      '2  usage error, or an input could not be read',
    ],
    examples: [
      'csi-driver lint spc.yaml',
      'csi-driver lint deploy/                                   # every manifest below deploy/',
      'helm template charts/shop | csi-driver lint -',
      'csi-driver lint --format github k8s/                      # annotations in a GitHub Actions run',
      'csi-driver lint --format json --warnings-as-errors k8s/ > lint.json',
    ],
  },
  version: {
    summary: 'print the build information as JSON',
    usage: ['csi-driver version', 'csi-driver --version'],
    description: ['Prints {"version":"…","buildDate":"…"}, like the Go provider\'s --version.'],
    examples: ['csi-driver version'],
  },
  help: {
    summary: 'show the help of a command',
    usage: ['csi-driver help [command]'],
    description: ['Without a command: the commands and the daemon flags.'],
    examples: ['csi-driver help lint'],
  },
};

export const COMMAND_NAMES = Object.keys(COMMANDS) as CommandName[];

export function isCommandName(name: string): name is CommandName {
  return Object.hasOwn(COMMANDS, name);
}

/** `csi-driver --help` / `csi-driver help`: what the binary does, its commands and the daemon flags. */
export function formatMainHelp(): string {
  const width = Math.max(...COMMAND_NAMES.map((name) => name.length));
  return [
    'csi-driver: the keyvault-csi provider (Azure Key Vault for the Secrets Store CSI Driver)',
    '',
    'Usage:',
    '  csi-driver [flags]                 run the provider daemon (what the DaemonSet runs)',
    '  csi-driver <command> [arguments]',
    '',
    'Commands:',
    ...COMMAND_NAMES.map((name) => `  ${name.padEnd(width)}  ${COMMANDS[name].summary}`),
    '',
    "Run 'csi-driver help <command>' or 'csi-driver <command> --help' for a command's flags and examples.",
    '',
    'Daemon flags:',
    ...formatFlagLines(DAEMON_FLAGS),
    '',
  ].join('\n');
}

/** `csi-driver <command> --help` / `csi-driver help <command>`. */
export function formatCommandHelp(name: CommandName): string {
  const help = COMMANDS[name];
  const lines = [`csi-driver ${name}: ${help.summary}`, '', 'Usage:'];
  lines.push(...help.usage.map((usage) => `  ${usage}`), '');
  for (const paragraph of help.description) lines.push(...wrap(paragraph, 100), '');
  if (help.flags) lines.push('Flags:', ...formatFlagLines(help.flags), '');
  if (help.exitCodes) lines.push('Exit codes:', ...help.exitCodes.map((line) => `  ${line}`), '');
  lines.push('Examples:', ...help.examples.map((example) => `  ${example}`), '');
  return lines.join('\n');
}

/** The line a usage error ends with: where to read how the command is used. */
export function helpHint(name: CommandName | undefined): string {
  return name === undefined || name === 'serve' || name === 'help'
    ? "Run 'csi-driver --help' for usage."
    : `Run 'csi-driver ${name} --help' for usage.`;
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}
