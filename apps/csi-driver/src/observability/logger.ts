import { type DestinationStream, type Logger, pino } from 'pino';
import { boundLogFields, boundLogText, MAX_LOG_MESSAGE_CHARS } from './bounded-log.js';
import { textLogStream } from './text-log-stream.js';

export type { Logger } from 'pino';

export interface LoggerOptions {
  /** JSON lines (`--log-format-json`) or readable text. */
  readonly json: boolean;
  /** klog-style `-v`: 0 info, 4 debug, 5 trace. */
  readonly verbosity: number;
  /** Defaults to stderr, like klog; tests pass their own stream. */
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

export function createLogger(options: LoggerOptions): Logger {
  const level = options.verbosity >= 5 ? 'trace' : options.verbosity >= 4 ? 'debug' : 'info';
  const destination =
    options.destination ?? (options.json ? pino.destination({ fd: 2, sync: true }) : textLogStream(2));
  return pino(
    {
      level,
      base: undefined,
      redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
      formatters: {
        level: (label, number) => ({ level: number, severity: label }),
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
    },
    destination,
  );
}
