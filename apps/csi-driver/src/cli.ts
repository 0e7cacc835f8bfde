import { formatVersionJson, readBuildInfo } from './build-info.js';
import { MOUNT_FLAGS, parseMountCommandLine } from './commands/mount-flags.js';
import { DAEMON_FLAGS, parseDaemonCommandLine } from './config/daemon-flags.js';
import { FlagError, formatUsage } from './flags/flag-parser.js';

const MOUNT_USAGE =
  'csi-driver mount --spc <manifest.yaml> --pod-name <n> --pod-namespace <ns> --target-path <dir> [--watch --interval 2m]';

export interface CliOutput {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

const processOutput: CliOutput = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/**
 * `csi-driver [flags]` serves; `csi-driver version | lint <files…> | mount …` are the subcommands.
 * Resolves with the exit code. Subcommands load lazily so the daemon never pays for them.
 */
export async function runCli(
  args: readonly string[],
  output: CliOutput = processOutput,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<number> {
  const [first, ...rest] = args;
  try {
    switch (first) {
      case 'version':
        output.stdout(formatVersionJson(readBuildInfo()));
        return 0;
      case 'lint': {
        const { runLint } = await import('./commands/lint-command.js');
        return await runLint(rest, output);
      }
      case 'mount': {
        const config = parseMountCommandLine(rest);
        if (config === 'help') {
          output.stdout(formatUsage(MOUNT_USAGE, MOUNT_FLAGS));
          return 0;
        }
        const { runMountCommand } = await import('./commands/mount-command.js');
        return await runMountCommand(config, output);
      }
      case 'serve':
        return await serve(rest, output, env);
      default:
        return await serve(args, output, env);
    }
  } catch (error) {
    if (error instanceof FlagError) {
      output.stderr(`${error.message}\nRun 'csi-driver --help' for usage.\n`);
      return 1;
    }
    throw error;
  }
}

async function serve(
  args: readonly string[],
  output: CliOutput,
  env: Readonly<Record<string, string | undefined>>,
): Promise<number> {
  const commandLine = parseDaemonCommandLine(args, env);
  if (commandLine.action === 'help') {
    output.stdout(
      formatUsage('csi-driver [flags] | csi-driver version | lint <files…> | mount --help', DAEMON_FLAGS),
    );
    return 0;
  }
  if (commandLine.action === 'version') {
    output.stdout(formatVersionJson(readBuildInfo()));
    return 0;
  }
  const { runServe } = await import('./commands/serve-command.js');
  return runServe(commandLine.config, readBuildInfo());
}
