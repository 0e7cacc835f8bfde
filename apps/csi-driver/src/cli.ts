import { formatVersionJson, readBuildInfo } from './build-info.js';
import type { CliInput, CliOutput } from './commands/cli-io.js';
import {
  COMMAND_NAMES,
  type CommandName,
  formatCommandHelp,
  formatMainHelp,
  helpHint,
  isCommandName,
} from './commands/command-help.js';
import { parseLintCommandLine } from './commands/lint-flags.js';
import { parseMountCommandLine } from './commands/mount-flags.js';
import { parseDaemonCommandLine } from './config/daemon-flags.js';
import { FlagError } from './flags/flag-parser.js';

export type { CliInput, CliOutput } from './commands/cli-io.js';

const processOutput: CliOutput = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

const processInput: CliInput = {
  readStdin: async () => {
    const { readStream } = await import('./commands/lint-inputs.js');
    return readStream(process.stdin);
  },
};

/** Exit code of a usage error in a subcommand (Go's flag package uses 2 too). */
const USAGE_ERROR_EXIT = 2;

/**
 * `csi-driver [flags]` serves; `csi-driver serve | mount | lint | version | help` are the commands
 * (`csi-driver help` lists them). Resolves with the exit code. Subcommands load lazily so the daemon
 * never pays for them.
 */
export async function runCli(
  args: readonly string[],
  output: CliOutput = processOutput,
  input: CliInput = processInput,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<number> {
  const [first, ...rest] = args;
  const command: CommandName | undefined = first !== undefined && isCommandName(first) ? first : undefined;
  try {
    switch (command) {
      case 'version':
        if (rest.includes('--help') || rest.includes('-h')) {
          output.stdout(formatCommandHelp('version'));
          return 0;
        }
        if (rest.length > 0) throw new FlagError(`version takes no arguments: ${rest[0]}`);
        output.stdout(formatVersionJson(readBuildInfo()));
        return 0;
      case 'help':
        return help(rest, output);
      case 'lint': {
        const commandLine = parseLintCommandLine(rest);
        if (commandLine === 'help') {
          output.stdout(formatCommandHelp('lint'));
          return 0;
        }
        const { runLint } = await import('./commands/lint-command.js');
        return await runLint(commandLine, output, input);
      }
      case 'mount': {
        const config = parseMountCommandLine(rest);
        if (config === 'help') {
          output.stdout(formatCommandHelp('mount'));
          return 0;
        }
        const { runMountCommand } = await import('./commands/mount-command.js');
        return await runMountCommand(config, output);
      }
      case 'serve':
        return await serve(rest, output, 'serve', env);
      case undefined:
        if (isMistypedCommand(first)) {
          throw new FlagError(`unknown command "${first}" (commands: ${COMMAND_NAMES.join(', ')})`);
        }
        return await serve(args, output, undefined, env);
    }
  } catch (error) {
    if (error instanceof FlagError) {
      output.stderr(`${error.message}\n${helpHint(command)}\n`);
      // The daemon keeps the exit code its manifests and probes have always seen.
      const daemonFlags = command === 'serve' || (command === undefined && !isMistypedCommand(first));
      return daemonFlags ? 1 : USAGE_ERROR_EXIT;
    }
    throw error;
  }
}

/** A first argument that is neither a flag nor a command. */
function isMistypedCommand(first: string | undefined): boolean {
  return first !== undefined && !first.startsWith('-') && !isCommandName(first);
}

function help(args: readonly string[], output: CliOutput): number {
  const [topic, ...extra] = args;
  if (topic === undefined) {
    output.stdout(formatMainHelp());
    return 0;
  }
  if (!isCommandName(topic) || extra.length > 0) {
    throw new FlagError(
      extra.length > 0
        ? `help takes one command: ${extra[0]}`
        : `unknown command "${topic}" (commands: ${COMMAND_NAMES.join(', ')})`,
    );
  }
  output.stdout(formatCommandHelp(topic));
  return 0;
}

async function serve(
  args: readonly string[],
  output: CliOutput,
  command: 'serve' | undefined,
  env: Readonly<Record<string, string | undefined>>,
): Promise<number> {
  const commandLine = parseDaemonCommandLine(args, env);
  if (commandLine.action === 'help') {
    output.stdout(command === 'serve' ? formatCommandHelp('serve') : formatMainHelp());
    return 0;
  }
  if (commandLine.action === 'version') {
    output.stdout(formatVersionJson(readBuildInfo()));
    return 0;
  }
  const { runServe } = await import('./commands/serve-command.js');
  return runServe(commandLine.config, readBuildInfo());
}
