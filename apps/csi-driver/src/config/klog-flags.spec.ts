import { describe, expect, it } from 'vitest';
import { FlagError } from '../flags/flag-parser.js';
import { type DaemonConfig, parseDaemonCommandLine } from './daemon-flags.js';

function serve(args: string[]): DaemonConfig {
  const commandLine = parseDaemonCommandLine(args);
  if (commandLine.action !== 'serve') throw new Error(`expected serve, got ${commandLine.action}`);
  return commandLine.config;
}

// Every flag klog.InitFlags registers on the reference binary (and two of newer klog releases),
// with a value klog accepts.
const KLOG_ARGS: [string, string][] = [
  ['logtostderr', 'true'],
  ['alsologtostderr', 'true'],
  ['alsologtostderrthreshold', 'WARNING'],
  ['stderrthreshold', 'INFO'],
  ['legacy_stderr_threshold_behavior', 'true'],
  ['log_file', '/tmp/provider.log'],
  ['log_file_max_size', '100'],
  ['log_dir', '/tmp'],
  ['vmodule', 'provider*=5,server=2'],
  ['log_backtrace_at', 'provider.go:42'],
  ['add_dir_header', 'true'],
  ['skip_headers', 'true'],
  ['skip_log_headers', 'true'],
  ['one_output', 'true'],
];

describe('klog flags', () => {
  it.each(KLOG_ARGS)('accepts -%s in every Go spelling', (name, value) => {
    for (const args of [
      [`--${name}=${value}`],
      [`-${name}=${value}`],
      [`--${name}`, value],
      [`-${name}`, value],
    ]) {
      expect(() => serve(args)).not.toThrow();
    }
  });

  it('warns once, naming every ignored flag', () => {
    const config = serve(['--vmodule=x=2', '-skip_headers', '--one_output=true', '--log_dir=/tmp']);
    expect(config.warnings).toEqual([
      'klog flags accepted and ignored: --log_dir, --vmodule, --skip_headers, --one_output',
    ]);
  });

  it('routes text lines as klog: stderr by default, a file with --logtostderr=false', () => {
    expect(serve([]).logRouting).toEqual({ stderrThreshold: 'INFO', file: undefined });
    expect(serve(['--stderrthreshold=WARNING']).logRouting?.stderrThreshold).toBe('INFO');
    expect(
      serve(['--stderrthreshold=WARNING', '--legacy_stderr_threshold_behavior=false']).logRouting
        ?.stderrThreshold,
    ).toBe('WARNING');
    expect(serve(['--logtostderr=false', '--log_file=/var/log/p.log']).logRouting).toEqual({
      stderrThreshold: 'ERROR',
      file: { path: '/var/log/p.log', maxBytes: 1800 * 1024 * 1024 },
    });
    expect(
      serve(['-logtostderr=false', '-log_file', '/x.log', '-alsologtostderr', '-log_file_max_size=0'])
        .logRouting,
    ).toEqual({ stderrThreshold: 'INFO', file: { path: '/x.log', maxBytes: Number.POSITIVE_INFINITY } });
    expect(
      serve(['--logtostderr=false', '--log_file=/x.log', '--stderrthreshold=2']).logRouting?.stderrThreshold,
    ).toBe('ERROR');
  });

  it('says when a flag has no effect, as klog documents', () => {
    expect(serve(['--log_file=/x.log']).warnings).toEqual([
      '--log_file has no effect with --logtostderr=true (as in klog)',
    ]);
    const json = serve(['--log-format-json', '--logtostderr=false', '--log_file=/x.log']);
    expect(json.logRouting).toEqual({ stderrThreshold: 'INFO', file: undefined });
    expect(json.warnings).toEqual([
      '--logtostderr, --log_file have no effect with --log-format-json (as in the reference)',
    ]);
  });

  it.each([
    [
      ['--stderrthreshold=LOUD'],
      'invalid value "LOUD" for flag -stderrthreshold: expected INFO, WARNING, ERROR, FATAL or 0 to 3',
    ],
    [
      ['--vmodule=provider'],
      'invalid value "provider" for flag -vmodule: expected a comma-separated list of pattern=N',
    ],
    [['--log_backtrace_at=main'], 'invalid value "main" for flag -log_backtrace_at: expected file.go:N'],
    [['--log_file_max_size=-1'], 'invalid value "-1" for flag -log_file_max_size: must not be negative'],
    [
      ['--logtostderr=maybe'],
      'invalid value "maybe" for flag -logtostderr: parse error (expected true or false)',
    ],
  ])('%j fails as klog would', (args, message) => {
    expect(() => serve(args)).toThrow(FlagError);
    expect(() => serve(args)).toThrow(message);
  });
});
