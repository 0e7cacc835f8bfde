import { describe, expect, it } from 'vitest';
import { benchJson, benchMarkdown } from './bench-report.js';
import { type Figure, figureTable, formatValue, machineInfo } from './figures.js';

const figures: Figure[] = [
  {
    scenario: 'memory',
    id: 'a',
    label: 'idle RSS',
    value: 61.44,
    unit: 'MiB',
    target: '< 70 MiB',
    met: true,
  },
  { scenario: 'burst', id: 'b', label: 'GETs', value: 2000, unit: '', target: '≤ 10', met: false },
  { scenario: 'latency', id: 'c', label: 'one round trip', value: 47.7, unit: 'ms' },
];

describe('figures', () => {
  it('formats values by unit', () => {
    expect(formatValue({ value: 61.44, unit: 'MiB' })).toBe('61.4 MiB');
    expect(formatValue({ value: 1234.5, unit: 'ms' })).toBe('1235 ms');
    expect(formatValue({ value: 6.661, unit: '×' })).toBe('6.66×');
    expect(formatValue({ value: Number.NaN, unit: 'ms' })).toBe('n/a');
  });

  it('tables every figure with its target and verdict', () => {
    expect(figureTable(figures).split('\n')).toEqual([
      '| scenario | figure | value | target | verdict |',
      '| --- | --- | --- | --- | --- |',
      '| memory | idle RSS | 61.4 MiB | < 70 MiB | met |',
      '| burst | GETs | 2000 | ≤ 10 | **missed** |',
      '| latency | one round trip | 47.7 ms | — | — |',
    ]);
  });

  it('explains each miss in the Markdown section and keeps every figure in the JSON', () => {
    const result = { machine: machineInfo(), figures, notes: [], durationSeconds: 200 };
    const markdown = benchMarkdown(result, { b: 'Coalescing is per pod.' });
    expect(markdown).toContain('- **burst: GETs** = 2000 (target ≤ 10)\n\n  Coalescing is per pod.');
    expect(markdown).not.toContain('**memory: idle RSS**');
    const json = JSON.parse(benchJson(result)) as { provider: { figures: Figure[] } };
    expect(json.provider.figures.map((f) => [f.id, f.value, f.met])).toEqual([
      ['a', 61.44, true],
      ['b', 2000, false],
      ['c', 47.7, undefined],
    ]);
  });
});
