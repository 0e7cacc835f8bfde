import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { boundLogFields, boundLogText, MAX_LOG_ERROR_CHARS, MAX_LOG_VALUE_CHARS } from './bounded-log.js';
import { createLogger } from './logger.js';

function capture(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, stream };
}

describe('boundLogText', () => {
  it('keeps short values and marks a cut with what was left out', () => {
    expect(boundLogText('pod-a')).toBe('pod-a');
    const cut = boundLogText('x'.repeat(1000));
    expect(cut).toBe(`${'x'.repeat(MAX_LOG_VALUE_CHARS)}…(${1000 - MAX_LOG_VALUE_CHARS} more characters)`);
  });

  it('never splits a surrogate pair', () => {
    const text = `${'x'.repeat(MAX_LOG_VALUE_CHARS - 1)}😀tail`;
    const cut = boundLogText(text);
    expect(cut.startsWith(`${'x'.repeat(MAX_LOG_VALUE_CHARS - 1)}…`)).toBe(true);
    expect(cut).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
  });
});

describe('boundLogFields', () => {
  it('bounds names to 256 characters and errors to 1024', () => {
    const fields = boundLogFields({ pod: `ns/${'p'.repeat(5000)}`, error: 'e'.repeat(5000), objects: 3 });
    expect((fields['pod'] as string).startsWith(`ns/${'p'.repeat(MAX_LOG_VALUE_CHARS - 3)}…(`)).toBe(true);
    expect((fields['error'] as string).length).toBeLessThan(MAX_LOG_ERROR_CHARS + 40);
    expect(fields['objects']).toBe(3);
  });

  it('drops fields past the line budget and bounds nested values', () => {
    const many = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, 'v'.repeat(300)]));
    const fields = boundLogFields({ ...many, nested: { a: { b: { c: { d: 'deep' } } } } });
    expect(fields['droppedFields']).toBeGreaterThan(0);
    expect(Buffer.byteLength(JSON.stringify(fields))).toBeLessThan(3500);
    expect(boundLogFields({ n: { a: { b: { c: { d: 1 } } } } })).toEqual({
      n: { a: { b: { c: '[object]' } } },
    });
  });
});

describe('createLogger', () => {
  it('writes no line over 4 KiB whatever a request put in the fields or the message', () => {
    for (const json of [true, false]) {
      const { lines, stream } = capture();
      const logger = createLogger({
        json,
        verbosity: 0,
        destination: json ? stream : { write: (line: string) => stream.write(line) },
      });
      const huge = 'é\r\n'.repeat(400_000);
      logger.warn({ pod: `ns/${huge}`, spc: huge, error: huge, extra: [huge, huge] }, huge);
      logger.info(huge);
      expect(lines).toHaveLength(2);
      for (const line of lines) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(4096);
      expect(lines[0]).toContain('more characters');
    }
  });
});
