import { describe, expect, it } from 'vitest';
import { CliUsageError, parseCliFlags, parseDurationFlag, requireFlags } from './cli-flags.js';

describe('fake driver flags', () => {
  it('takes --name value and --name=value, defaults the rest', () => {
    const flags = parseCliFlags(['--socket', '/run/a.sock', '--timeout=30s'], {
      socket: '',
      timeout: '2m',
      spc: '',
    });
    expect([...flags]).toEqual([
      ['socket', '/run/a.sock'],
      ['timeout', '30s'],
      ['spc', ''],
    ]);
    expect(() => requireFlags(flags, 'socket', 'spc')).toThrow(new CliUsageError('--spc is required'));
  });

  it('rejects unknown flags and positionals as usage errors', () => {
    expect(() => parseCliFlags(['--sockett', 'x'], { socket: '' })).toThrow(CliUsageError);
    expect(() => parseCliFlags(['stray'], { socket: '' })).toThrow(CliUsageError);
  });

  it('reads Go-style durations and names the flag when one is not', () => {
    expect(parseDurationFlag('timeout', '2m')).toBe(120_000);
    expect(parseDurationFlag('timeout', '1m30s')).toBe(90_000);
    expect(parseDurationFlag('timeout', '500ms')).toBe(500);
    for (const bad of ['', '2', '2x', '0s', '1m 2s', '-1s']) {
      expect(() => parseDurationFlag('timeout', bad), bad).toThrow(/^--timeout .*: expected a duration/);
    }
  });
});
