import { parseArgs } from 'node:util';
import { FakeNmi, type FakeNmiBinding, type FakeNmiOptions } from './fake-nmi.js';

const USAGE = `usage: fake-nmi [--port 0] [--signing-key <key>] [--bind <namespace>/<pod>=<clientId> ...]
                [--token-lifetime <seconds>] [--assignment-wait-ms <ms>] [--numeric-time-fields]

Serves aad-pod-identity NMI's GET /host/token/ on 127.0.0.1 until SIGTERM or SIGINT.
`;

export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
}

/** Turns the command line into `FakeNmi.start` options; throws CliUsageError with the cause. */
export function parseCliArgs(argv: readonly string[]): FakeNmiOptions | 'help' {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    throw new CliUsageError(error instanceof Error ? error.message : String(error));
  }
  const { values } = parsed;
  if (values.help) return 'help';
  const bindings: FakeNmiBinding[] = (values.bind ?? []).map(parseBinding);
  return {
    port: integer('--port', values.port ?? '0', 0, 65_535),
    bindings,
    ...(values['signing-key'] === undefined ? {} : { signingKey: values['signing-key'] }),
    ...(values['token-lifetime'] === undefined
      ? {}
      : {
          tokenLifetimeSeconds: integer('--token-lifetime', values['token-lifetime'], 1, 10 * 365 * 86_400),
        }),
    ...(values['assignment-wait-ms'] === undefined
      ? {}
      : { assignmentWaitMs: integer('--assignment-wait-ms', values['assignment-wait-ms'], 0, 600_000) }),
    ...(values['numeric-time-fields'] ? { numericTimeFields: true } : {}),
  };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: 'string' },
      'signing-key': { type: 'string' },
      bind: { type: 'string', multiple: true },
      'token-lifetime': { type: 'string' },
      'assignment-wait-ms': { type: 'string' },
      'numeric-time-fields': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

function parseBinding(text: string): FakeNmiBinding {
  const match = /^([^/=\s]+)\/([^/=\s]+)=(\S+)$/.exec(text);
  if (match === null) {
    throw new CliUsageError(`--bind ${JSON.stringify(text)}: expected <namespace>/<pod>=<clientId>`);
  }
  return { namespace: match[1]!, podName: match[2]!, clientId: match[3]! };
}

function integer(flag: string, text: string, min: number, max: number): number {
  const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new CliUsageError(`${flag} ${JSON.stringify(text)}: expected an integer from ${min} to ${max}`);
  }
  return n;
}

export interface CliIo {
  readonly out: { write(text: string): unknown };
  readonly err: { write(text: string): unknown };
  /** Where SIGTERM/SIGINT arrive (the process in the binary, an EventEmitter in tests). */
  readonly signals: {
    once(signal: 'SIGTERM' | 'SIGINT', listener: () => void): unknown;
    off(signal: 'SIGTERM' | 'SIGINT', listener: () => void): unknown;
  };
}

/** Runs the fake until a signal arrives; resolves with the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let options: FakeNmiOptions | 'help';
  try {
    options = parseCliArgs(argv);
  } catch (error) {
    if (!(error instanceof CliUsageError)) throw error;
    io.err.write(`fake-nmi: ${error.message}\n${USAGE}`);
    return 2;
  }
  if (options === 'help') {
    io.out.write(USAGE);
    return 0;
  }
  const nmi = await FakeNmi.start(options);
  io.out.write(`listening on ${nmi.url}\n`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      io.signals.off('SIGTERM', stop);
      io.signals.off('SIGINT', stop);
      resolve();
    };
    io.signals.once('SIGTERM', stop);
    io.signals.once('SIGINT', stop);
  });
  await nmi.stop();
  return 0;
}
