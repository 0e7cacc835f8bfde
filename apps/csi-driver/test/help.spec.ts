import { describe, expect, it } from 'vitest';
import { runBinary } from './support/daemon-process.js';

// What a user sees from the built binary when they ask for help or get the command line wrong.

describe('csi-driver help', () => {
  it('--help and help list every command with a one-line description, then the daemon flags', async () => {
    const run = await runBinary(['--help']);
    expect(run.code).toBe(0);
    const commands = run.stdout.slice(
      run.stdout.indexOf('Commands:\n'),
      run.stdout.indexOf('\n\n', run.stdout.indexOf('Commands:\n')),
    );
    expect(
      commands
        .split('\n')
        .slice(1)
        .map((line) => line.trim().split(/\s+/)[0]),
    ).toEqual(['serve', 'mount', 'lint', 'version', 'help']);
    for (const line of commands.split('\n').slice(1)) expect(line).toMatch(/^ {2}\w+ +\S.{20,}$/);
    expect(run.stdout).toContain("Run 'csi-driver help <command>' or 'csi-driver <command> --help'");
    expect(run.stdout).toContain('Daemon flags:\n  --endpoint <string>');
    expect((await runBinary(['help'])).stdout).toBe(run.stdout);
    expect((await runBinary(['-h'])).stdout).toBe(run.stdout);
  });

  it.each(['serve', 'mount', 'lint', 'version'])(
    '%s has its own help with usage and examples',
    async (command) => {
      const run = await runBinary([command, '--help']);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(new RegExp(`^csi-driver ${command}: \\S`));
      expect(run.stdout).toContain('\nUsage:\n  csi-driver ');
      expect(run.stdout).toMatch(
        new RegExp(`\\nExamples:\\n {2}csi-driver ${command === 'serve' ? '' : command}`),
      );
      expect((await runBinary(['help', command])).stdout).toBe(run.stdout);
    },
  );

  it('mount --help documents the required flags and the exit codes', async () => {
    const run = await runBinary(['mount', '--help']);
    for (const flag of [
      '--spc <string>',
      '--pod-name <string>',
      '--pod-namespace <string>',
      '--target-path <string>',
      '--watch',
      '--nmi-endpoint <string>',
    ]) {
      expect(run.stdout).toContain(flag);
    }
    expect(run.stdout).toContain('Exit codes:\n  0  files written');
  });
});

describe('usage errors', () => {
  it('mount without --spc names mount --help and exits 2', async () => {
    const run = await runBinary([
      'mount',
      '--pod-name=web-0',
      '--pod-namespace=shop',
      '--target-path=/tmp/x',
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe("--spc is required\nRun 'csi-driver mount --help' for usage.");
  });

  it('an unknown command lists the commands and exits 2', async () => {
    const run = await runBinary(['lnt', 'spc.yaml']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'unknown command "lnt" (commands: serve, mount, lint, version, help)\nRun \'csi-driver --help\' for usage.',
    );
    const help = await runBinary(['help', 'lnt']);
    expect(help.code).toBe(2);
    expect(help.stderr).toContain('unknown command "lnt"');
  });

  it('a bad daemon flag keeps the daemon exit code 1 and names csi-driver --help', async () => {
    const run = await runBinary(['--no-such-flag']);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      "flag provided but not defined: -no-such-flag\nRun 'csi-driver --help' for usage.",
    );
  });
});
