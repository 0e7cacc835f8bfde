import { describe, expect, it } from 'vitest';
import { formatTextLine } from './text-log-stream.js';

describe('text log lines', () => {
  it('prints time, level, message and fields', () => {
    const line = formatTextLine(
      JSON.stringify({
        level: 30,
        ts: 0.5,
        caller: 'mount/mount-call.ts',
        msg: 'mount',
        pod: 'ns/web-0',
        objects: 2,
        spc: 'a b',
      }),
    );
    expect(line).toBe('1970-01-01T00:00:00.000Z INFO  mount pod=ns/web-0 objects=2 spc="a b"\n');
  });

  it('passes through a line that is not JSON', () => {
    expect(formatTextLine('plain')).toBe('plain\n');
  });
});
