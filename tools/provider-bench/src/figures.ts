import os from 'node:os';

/** One measured figure, with the target it is judged against (if any). */
export interface Figure {
  readonly scenario: string;
  readonly id: string;
  readonly label: string;
  readonly value: number;
  readonly unit: string;
  /** Human-readable target, e.g. `< 70 MiB`; absent for informational figures. */
  readonly target?: string;
  /** Whether `value` meets the target; absent when there is none. */
  readonly met?: boolean;
}

export interface MachineInfo {
  readonly cpu: string;
  readonly cores: number;
  readonly node: string;
  readonly date: string;
  readonly loadAverage: number;
  readonly platform: string;
}

export function machineInfo(): MachineInfo {
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown CPU',
    cores: os.cpus().length,
    node: process.version,
    date: new Date().toISOString(),
    loadAverage: Number(os.loadavg()[0]?.toFixed(2) ?? 0),
    platform: `${os.platform()} ${os.release()}`,
  };
}

/** A value as the table shows it: `12.3 MiB`, `45 ms`, `3`. */
export function formatValue(figure: Pick<Figure, 'value' | 'unit'>): string {
  const { value, unit } = figure;
  if (!Number.isFinite(value)) return 'n/a';
  switch (unit) {
    case 'ms':
      return `${value < 100 ? value.toFixed(1) : value.toFixed(0)} ms`;
    case 'MiB':
      return `${value.toFixed(1)} MiB`;
    case 's':
      return `${value.toFixed(2)} s`;
    case '×':
      return `${value.toFixed(2)}×`;
    case '/s':
      return `${value.toFixed(0)}/s`;
    case '':
      return Number.isInteger(value) ? String(value) : value.toFixed(2);
    default:
      return `${Number.isInteger(value) ? value : value.toFixed(2)} ${unit}`;
  }
}

export function verdict(figure: Figure): string {
  if (figure.met === undefined) return '—';
  return figure.met ? 'met' : '**missed**';
}

/** The Markdown table of figures: figure, value, target, met/missed. */
export function figureTable(figures: readonly Figure[]): string {
  const rows = figures.map(
    (f) => `| ${f.scenario} | ${f.label} | ${formatValue(f)} | ${f.target ?? '—'} | ${verdict(f)} |`,
  );
  return [
    '| scenario | figure | value | target | verdict |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

/** A plain-text table for the terminal. */
export function textTable(figures: readonly Figure[]): string {
  const rows = figures.map((f) => [
    f.scenario,
    f.label,
    formatValue(f),
    f.target ?? '',
    f.met === undefined ? '' : f.met ? 'met' : 'MISSED',
  ]);
  const widths = [0, 1, 2, 3, 4].map((c) => Math.max(...rows.map((r) => r[c]!.length), 4));
  return rows
    .map((r) =>
      r
        .map((cell, c) => cell.padEnd(widths[c]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
