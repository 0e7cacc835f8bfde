import { describe, expect, it } from 'vitest';
import { formatGoDuration, parseGoDuration } from './go-duration.js';

describe('parseGoDuration', () => {
  it.each([
    ['5s', 5000],
    ['500ms', 500],
    ['1m', 60_000],
    ['1m30s', 90_000],
    ['1.5h', 5_400_000],
    ['110s', 110_000],
    ['0', 0],
    ['0s', 0],
    ['+2s', 2000],
    ['-1s', -1000],
    ['1500us', 1.5],
    ['.5s', 500],
  ])('%s is %d ms', (text, ms) => {
    expect(parseGoDuration(text)).toBe(ms);
  });

  it.each(['', '5', 's', '5x', '5 s', '1d', '.s', 'abc', '5s5'])('rejects %j like Go does', (text) => {
    expect(parseGoDuration(text)).toBeUndefined();
  });

  it('formats the common durations back', () => {
    expect([5000, 500, 90_000, 110_000, 0].map(formatGoDuration)).toEqual([
      '5s',
      '500ms',
      '1m30s',
      '1m50s',
      '0s',
    ]);
  });
});
