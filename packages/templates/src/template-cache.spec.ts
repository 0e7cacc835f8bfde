import { describe, expect, it } from 'vitest';
import { TemplateCache } from './index.js';

describe('TemplateCache', () => {
  it('returns the same compiled template for the same text', () => {
    const cache = new TemplateCache();
    const a = cache.compile('{{file "a"}}');
    expect(cache.compile('{{file "a"}}')).toBe(a);
    expect(cache.compile('{{file "b"}}')).not.toBe(a);
    expect(cache.size).toBe(2);
  });

  it('keeps at most maxEntries, dropping the least recently used', () => {
    const cache = new TemplateCache({ maxEntries: 2 });
    const a = cache.compile('a');
    cache.compile('b');
    cache.compile('a');
    cache.compile('c');
    expect(cache.size).toBe(2);
    expect(cache.compile('a')).toBe(a);
  });

  it('bounds the total source length and never keeps a source over it', () => {
    const cache = new TemplateCache({ maxSourceLength: 10 });
    cache.compile('123456');
    cache.compile('abcdef');
    expect(cache.size).toBe(1);
    cache.compile('x'.repeat(11));
    expect(cache.size).toBe(1);
  });

  it('does not keep failures', () => {
    const cache = new TemplateCache();
    expect(() => cache.compile('{{nope}}')).toThrow('unknown name "nope"');
    expect(cache.size).toBe(0);
  });
});
