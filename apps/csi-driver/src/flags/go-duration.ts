const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const SEGMENT = /^(\d*)(?:\.(\d*))?([a-zµμ]+)/;

/**
 * Parses a Go `time.ParseDuration` string (`500ms`, `5s`, `1m30s`, `1.5h`, `0`) into milliseconds,
 * so the flags in existing manifests keep their meaning. Returns `undefined` when the text is not a
 * Go duration.
 */
export function parseGoDuration(text: string): number | undefined {
  let rest = text;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest.startsWith('-') ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') return undefined;
  let total = 0;
  while (rest !== '') {
    const match = SEGMENT.exec(rest);
    if (match === null) return undefined;
    const [whole, integer = '', fraction = '', unit = ''] = match;
    if (integer === '' && fraction === '') return undefined;
    const scale = UNIT_MS[unit];
    if (scale === undefined) return undefined;
    total += Number(`${integer || '0'}.${fraction || '0'}`) * scale;
    rest = rest.slice(whole.length);
  }
  return sign * total;
}

/** Formats milliseconds the way Go prints a duration for the common cases (`5s`, `1m50s`, `500ms`). */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  const seconds = (ms % 60_000) / 1000;
  return `${hours ? `${hours}h` : ''}${hours || minutes ? `${minutes}m` : ''}${seconds}s`;
}
