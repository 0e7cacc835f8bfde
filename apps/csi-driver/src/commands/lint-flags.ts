import {
  boolFlag,
  FlagError,
  type FlagSpecs,
  type FlagValue,
  parseFlags,
  stringFlag,
} from '../flags/flag-parser.js';

export const LINT_FORMATS = ['text', 'json', 'github'] as const;
export type LintFormat = (typeof LINT_FORMATS)[number];

/** Flags of `csi-driver lint`. */
export const LINT_FLAGS: FlagSpecs = {
  format: {
    kind: 'string',
    defaultText: 'text',
    usage:
      'text: "<file>:<line>:<column> <severity> <message>" per finding; json: one report (schema in packages/spc/README.md); github: GitHub Actions annotations',
    validate: (value: FlagValue) =>
      (LINT_FORMATS as readonly string[]).includes(value as string)
        ? undefined
        : `must be one of ${LINT_FORMATS.join(', ')}`,
  },
  'warnings-as-errors': {
    kind: 'bool',
    defaultText: 'false',
    usage: 'warnings also fail the run (exit code 1)',
  },
  help: { kind: 'bool', defaultText: 'false', usage: 'print this help and exit', hidden: true },
  h: { kind: 'bool', defaultText: 'false', usage: 'print this help and exit', hidden: true },
};

export interface LintCommandLine {
  readonly format: LintFormat;
  readonly warningsAsErrors: boolean;
  /** Files, directories, and `-` for stdin, in the order given. */
  readonly paths: readonly string[];
}

/**
 * Flags may come before, between or after the paths (`lint k8s/ --format json`); `--` ends the
 * flags, so a file named like a flag can still be linted.
 */
export function parseLintCommandLine(args: readonly string[]): LintCommandLine | 'help' {
  const paths: string[] = [];
  let format: LintFormat = 'text';
  let warningsAsErrors = false;
  let rest = args;
  while (rest.length > 0) {
    const flags = parseFlags(rest, LINT_FLAGS);
    if (boolFlag(flags, 'help') || boolFlag(flags, 'h')) return 'help';
    if (flags.given.has('format')) format = stringFlag(flags, 'format') as LintFormat;
    if (flags.given.has('warnings-as-errors')) warningsAsErrors = boolFlag(flags, 'warnings-as-errors');
    const consumed = rest.length - flags.positionals.length;
    const endedByDoubleDash = consumed > 0 && rest[consumed - 1] === '--';
    if (endedByDoubleDash) {
      paths.push(...flags.positionals);
      break;
    }
    const [next, ...after] = flags.positionals;
    if (next === undefined) break;
    paths.push(next);
    rest = after;
  }
  if (paths.length === 0) {
    throw new FlagError('lint needs at least one file, directory or - (stdin)');
  }
  return { format, warningsAsErrors, paths };
}
