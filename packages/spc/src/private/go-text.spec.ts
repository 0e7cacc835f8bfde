import { describe, expect, it } from 'vitest';
import { utf8Length } from '../input-limits.js';
import { echo } from './echo.js';
import { goParseBool, goQuote, goToUpper, goTrimSpace } from './go-text.js';

describe('goTrimSpace', () => {
  it('strips Go white space including U+0085, but keeps U+FEFF', () => {
    expect(goTrimSpace('\u0085 kv \t\n')).toBe('kv');
    expect(goTrimSpace('\ufeffkv\ufeff')).toBe('\ufeffkv\ufeff');
    expect(goTrimSpace('\u00a0\u2000\u3000kv\u2029\u205f')).toBe('kv');
    expect(goTrimSpace('\v\fkv\r')).toBe('kv');
  });

  it('keeps inner white space and returns "" for only spaces', () => {
    expect(goTrimSpace('  a b  ')).toBe('a b');
    expect(goTrimSpace(' \u0085 ')).toBe('');
  });
});

describe('goQuote', () => {
  it('quotes like strconv.Quote', () => {
    expect(goQuote('tru')).toBe('"tru"');
    expect(goQuote('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(goQuote('\n\t\r\x07\b\f\v')).toBe('"\\n\\t\\r\\a\\b\\f\\v"');
    expect(goQuote('\x00\x1f\x7f')).toBe('"\\x00\\x1f\\x7f"');
    expect(goQuote('é…中')).toBe('"é…中"');
    expect(goQuote('\u0085\u00a0\ufeff')).toBe('"\\u0085\\u00a0\\ufeff"');
    expect(goQuote('\u{e0001}')).toBe('"\\U000e0001"');
    expect(goQuote('😀')).toBe('"😀"');
  });
});

describe('goParseBool', () => {
  it('accepts exactly the strconv.ParseBool spellings', () => {
    for (const text of ['1', 't', 'T', 'TRUE', 'true', 'True']) expect(goParseBool(text)).toBe(true);
    for (const text of ['0', 'f', 'F', 'FALSE', 'false', 'False']) expect(goParseBool(text)).toBe(false);
    for (const text of ['yes', 'tRUE', 'on', '', ' true', '2']) expect(goParseBool(text)).toBeUndefined();
  });
});

describe('goToUpper and utf8Length', () => {
  it('uses one-to-one case mapping and byte lengths', () => {
    expect(goToUpper('azurestackcloud')).toBe('AZURESTACKCLOUD');
    expect(goToUpper('straße')).toBe('STRAßE');
    expect(utf8Length('éé')).toBe(4);
  });
});

describe('echo', () => {
  it('cuts values longer than 100 code points and marks the cut', () => {
    expect(echo('a'.repeat(100))).toBe('a'.repeat(100));
    expect(echo('a'.repeat(101))).toBe(`${'a'.repeat(100)}…`);
    expect(echo('😀'.repeat(150))).toBe(`${'😀'.repeat(100)}…`);
  });
});
