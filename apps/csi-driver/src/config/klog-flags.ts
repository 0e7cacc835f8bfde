import {
  boolFlag,
  type FlagSpecs,
  type FlagValue,
  numberFlag,
  type ParsedFlags,
  stringFlag,
} from '../flags/flag-parser.js';

/** klog severities, lowest first; `--stderrthreshold` takes a name or its number. */
export const KLOG_SEVERITIES = ['INFO', 'WARNING', 'ERROR', 'FATAL'] as const;
export type KlogSeverity = (typeof KLOG_SEVERITIES)[number];

const severity = (value: FlagValue): string | undefined =>
  parseSeverity(value as string) === undefined ? 'expected INFO, WARNING, ERROR, FATAL or 0 to 3' : undefined;

// klog's own syntax checks, so a value klog refused (the reference exited) is refused here too.
const vmodule = (value: FlagValue): string | undefined =>
  (value as string) === '' || (value as string).split(',').every((part) => /^[^=]+=\d+$/.test(part))
    ? undefined
    : 'expected a comma-separated list of pattern=N';
const backtraceAt = (value: FlagValue): string | undefined =>
  (value as string) === '' || /^[^:]+\.go:\d+$/.test(value as string) ? undefined : 'expected file.go:N';

/**
 * The flags `klog.InitFlags` registers on the reference binary (klog v2), other than `-v` which the
 * daemon flags define. Manifests and charts pass them, so each is accepted in every Go spelling;
 * those with a meaning here map onto our logger (see `klogLogRouting`), the rest are ignored with
 * one warning line. `legacy_stderr_threshold_behavior` and `alsologtostderrthreshold` come from
 * klog releases newer than the reference's; they are accepted too.
 */
export const KLOG_FLAGS: FlagSpecs = {
  logtostderr: { kind: 'bool', defaultText: 'true', usage: 'klog: log to standard error instead of files' },
  alsologtostderr: {
    kind: 'bool',
    defaultText: 'false',
    usage: 'klog: log to standard error as well as --log_file (no effect when --logtostderr=true)',
  },
  alsologtostderrthreshold: {
    kind: 'string',
    defaultText: 'INFO',
    usage: 'klog: with --alsologtostderr, lines at or above this severity also go to standard error',
    validate: severity,
  },
  stderrthreshold: {
    kind: 'string',
    defaultText: 'ERROR',
    usage:
      'klog: lines at or above this severity also go to standard error when writing --log_file (and, with --legacy_stderr_threshold_behavior=false, filter standard error)',
    validate: severity,
  },
  legacy_stderr_threshold_behavior: {
    kind: 'bool',
    defaultText: 'true',
    usage: 'klog: when true, --stderrthreshold is ignored while --logtostderr=true',
  },
  log_file: {
    kind: 'string',
    defaultText: '',
    usage: 'klog: write logs to this file (no effect when --logtostderr=true or --log-format-json)',
  },
  log_file_max_size: {
    kind: 'int',
    defaultText: '1800',
    usage: 'klog: megabytes after which --log_file starts over (0 = unlimited)',
    validate: (value) => ((value as number) >= 0 ? undefined : 'must not be negative'),
  },
  log_dir: {
    kind: 'string',
    defaultText: '',
    usage: 'klog: accepted and ignored (logs stay on standard error)',
  },
  vmodule: { kind: 'string', defaultText: '', usage: 'klog: accepted and ignored', validate: vmodule },
  log_backtrace_at: {
    kind: 'string',
    defaultText: '',
    usage: 'klog: accepted and ignored',
    validate: backtraceAt,
  },
  add_dir_header: { kind: 'bool', defaultText: 'false', usage: 'klog: accepted and ignored' },
  skip_headers: { kind: 'bool', defaultText: 'false', usage: 'klog: accepted and ignored' },
  skip_log_headers: { kind: 'bool', defaultText: 'false', usage: 'klog: accepted and ignored' },
  one_output: { kind: 'bool', defaultText: 'false', usage: 'klog: accepted and ignored' },
};

/** klog flags that change nothing here: passing one logs a single warning naming them all. */
const IGNORED = [
  'log_dir',
  'vmodule',
  'log_backtrace_at',
  'add_dir_header',
  'skip_headers',
  'skip_log_headers',
  'one_output',
];

export function parseSeverity(text: string): KlogSeverity | undefined {
  if (/^[0-3]$/.test(text)) return KLOG_SEVERITIES[Number(text)];
  const upper = text.toUpperCase();
  return (KLOG_SEVERITIES as readonly string[]).includes(upper) ? (upper as KlogSeverity) : undefined;
}

/** Where log lines go, as klog would send them with the given flags. */
export interface LogRouting {
  /** Lowest severity written to standard error; `undefined`: nothing goes there. */
  readonly stderrThreshold: KlogSeverity | undefined;
  /** `--log_file` when klog would write it (with `--logtostderr=false`), every line. */
  readonly file: { readonly path: string; readonly maxBytes: number } | undefined;
}

export const STDERR_ONLY: LogRouting = { stderrThreshold: 'INFO', file: undefined };

/**
 * klog's output rules (text format): `--logtostderr` (default) sends every line to standard error,
 * or only those at or above `--stderrthreshold` when `--legacy_stderr_threshold_behavior=false`;
 * `--logtostderr=false` writes `--log_file` and copies to standard error what reaches
 * `--stderrthreshold` (everything at or above `--alsologtostderrthreshold` with `--alsologtostderr`).
 * klog's file-per-severity directory (`--log_dir`, or the temp dir without `--log_file`) is not
 * reproduced: those lines stay on standard error. In JSON format the reference hands every line to
 * its JSON logger and klog's output flags do nothing; the caller applies that.
 */
export function klogLogRouting(flags: ParsedFlags, warnings: string[]): LogRouting {
  const threshold = parseSeverity(stringFlag(flags, 'stderrthreshold'))!;
  if (boolFlag(flags, 'logtostderr')) {
    if (flags.given.has('log_file'))
      warnings.push('--log_file has no effect with --logtostderr=true (as in klog)');
    return {
      stderrThreshold: boolFlag(flags, 'legacy_stderr_threshold_behavior') ? 'INFO' : threshold,
      file: undefined,
    };
  }
  const path = stringFlag(flags, 'log_file');
  if (path === '') {
    warnings.push(
      '--logtostderr=false without --log_file: klog would write per-severity files; logging to standard error instead',
    );
    return STDERR_ONLY;
  }
  const megabytes = numberFlag(flags, 'log_file_max_size');
  return {
    stderrThreshold: boolFlag(flags, 'alsologtostderr')
      ? parseSeverity(stringFlag(flags, 'alsologtostderrthreshold'))!
      : threshold,
    file: { path, maxBytes: megabytes === 0 ? Number.POSITIVE_INFINITY : megabytes * 1024 * 1024 },
  };
}

/** One warning line for every klog flag given that has no effect here. */
export function ignoredKlogFlagsWarning(flags: ParsedFlags): string | undefined {
  const given = IGNORED.filter((name) => flags.given.has(name));
  return given.length === 0
    ? undefined
    : `klog flags accepted and ignored: ${given.map((name) => `--${name}`).join(', ')}`;
}
