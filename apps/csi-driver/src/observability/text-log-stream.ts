import { pino } from 'pino';

const LEVEL_NAMES: Readonly<Record<number, string>> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};
const OMITTED = new Set(['level', 'ts', 'msg', 'caller', 'v']);

/** Formats one pino JSON line as `<time> <LEVEL> <msg> key=value ...` for people reading a terminal. */
export function formatTextLine(jsonLine: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(jsonLine) as Record<string, unknown>;
  } catch {
    return jsonLine.endsWith('\n') ? jsonLine : jsonLine + '\n';
  }
  const time = typeof record['ts'] === 'number' ? new Date(record['ts']).toISOString() : '';
  const level = LEVEL_NAMES[record['level'] as number] ?? String(record['level']);
  const fields = Object.entries(record)
    .filter(([key]) => !OMITTED.has(key))
    .map(([key, value]) => `${key}=${formatValue(value)}`);
  return [time, level.padEnd(5), String(record['msg'] ?? ''), ...fields].join(' ') + '\n';
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value);
}

/**
 * A pino destination writing text lines synchronously to a file descriptor (through pino's own
 * destination, which retries a full non-blocking pipe instead of throwing EAGAIN) or to a stream.
 */
export function textLogStream(target: number | { write(line: string): void }): { write(line: string): void } {
  const destination = typeof target === 'number' ? pino.destination({ fd: target, sync: true }) : target;
  return {
    write(line: string) {
      destination.write(formatTextLine(line));
    },
  };
}
