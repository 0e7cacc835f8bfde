import {
  type DestinationStream,
  type Logger,
  type LoggerOptions as PinoOptions,
  pino,
  type StreamEntry,
} from 'pino';
import { type KlogSeverity, type LogRouting, STDERR_ONLY } from '../config/klog-flags.js';
import { boundLogFields, boundLogText, MAX_LOG_MESSAGE_CHARS } from './bounded-log.js';
import { LogFileStream } from './log-file-stream.js';
import { textLogStream } from './text-log-stream.js';

export type { Logger } from 'pino';

export interface LoggerOptions {
  /** JSON lines (`--log-format-json`) in the reference's field names, or readable text. */
  readonly json: boolean;
  /** klog-style `-v`: 0 info, 4 debug, 5 trace. */
  readonly verbosity: number;
  /** JSON only (`--log-json-split-stream`): error lines on stderr, the others on stdout. */
  readonly splitStream?: boolean;
  /** Text only: klog's output flags (default: every line on stderr). */
  readonly routing?: LogRouting;
  /** Every line goes here instead (tests). */
  readonly destination?: DestinationStream;
}

/**
 * Field names that must never carry a value into a log line. Nothing in this app logs them (log
 * calls take explicit, non-secret fields); this is the net under that rule.
 */
const REDACTED_PATHS = [
  'token',
  'accessToken',
  'access_token',
  'secrets',
  'attributes',
  'contents',
  'clientSecret',
  'serviceAccountToken',
  '*.token',
  '*.accessToken',
  '*.secrets',
  '*.attributes',
  '*.contents',
];

/** Longest `err` text written; callers bound their own fields, this bounds what libraries throw. */
const MAX_ERR_CHARS = 1024;

/** klog's `v` of a line at each pino level: info and warnings are V(0), debug V(4), trace V(5). */
function verbosityOf(level: number): number {
  return level <= 10 ? 5 : level <= 20 ? 4 : 0;
}

const PINO_LEVEL_OF: Readonly<Record<KlogSeverity, pino.Level>> = {
  INFO: 'trace',
  WARNING: 'warn',
  ERROR: 'error',
  FATAL: 'fatal',
};

/**
 * The daemon's logger. JSON lines carry the reference's component-base field names: `ts` (Unix
 * time in milliseconds with a fraction, as its zap encoder writes it), `caller` (the module that
 * logged, from `withCaller`), `msg`, `v` on every line below error and `err` (a string) on error
 * lines, then `level` (a name) and our structured fields. Text lines keep our readable `<time> <LEVEL> <msg> k=v` form.
 */
export function createLogger(options: LoggerOptions): Logger {
  const level = options.verbosity >= 5 ? 'trace' : options.verbosity >= 4 ? 'debug' : 'info';
  const common: PinoOptions = {
    level,
    base: undefined,
    messageKey: 'msg',
    errorKey: 'err',
    timestamp: () => `,"ts":${performance.timeOrigin + performance.now()}`,
    redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
    serializers: { err: errorText },
    formatters: {
      // `level` (a name) is ours, beside the reference's fields: it tells warnings from info lines.
      level: options.json
        ? (label, number) => (number >= 50 ? { level: label } : { level: label, v: verbosityOf(number) })
        : (_label, number) => ({ level: number }),
      // Every line bounded (bounded-log.ts): request values never make a line over 4 KiB.
      log: boundLogFields,
    },
    hooks: {
      logMethod(args, method) {
        const bounded = args.map((arg) =>
          typeof arg === 'string' ? boundLogText(arg, MAX_LOG_MESSAGE_CHARS) : arg,
        ) as Parameters<typeof method>;
        method.apply(this, bounded);
      },
    },
  };
  if (options.destination) return pino(common, options.destination);
  if (options.json) {
    const stderr = pino.destination({ fd: 2, sync: true });
    if (!options.splitStream) return pino(common, stderr);
    const streams: StreamEntry[] = [
      { level: 'trace', stream: pino.destination({ fd: 1, sync: true }) },
      { level: 'error', stream: stderr },
    ];
    return pino(common, pino.multistream(streams, { dedupe: true }));
  }
  const routing = options.routing ?? STDERR_ONLY;
  const streams: StreamEntry[] = [];
  if (routing.stderrThreshold !== undefined) {
    streams.push({ level: PINO_LEVEL_OF[routing.stderrThreshold], stream: textLogStream(2) });
  }
  if (routing.file !== undefined) {
    const file = new LogFileStream(routing.file.path, routing.file.maxBytes);
    streams.push({ level: 'trace', stream: textLogStream(file) });
  }
  return pino(common, pino.multistream(streams));
}

/** A logger whose lines name the module that logged (`caller`), without a stack walk per line. */
export function withCaller(logger: Logger, caller: string): Logger {
  return logger.child({ caller });
}

/** `err` is always a bounded string, as the reference prints `error.Error()`. */
function errorText(value: unknown): string {
  const text = value instanceof Error ? value.message : typeof value === 'string' ? value : String(value);
  return text.length > MAX_ERR_CHARS ? `${text.slice(0, MAX_ERR_CHARS)}…[truncated]` : text;
}
