import { describe, expect, it } from 'vitest';
import { describeBody } from './body-text.js';

describe('describeBody', () => {
  it('trims NMI newline and bounds long bodies', () => {
    expect(describeBody('identity not found\n')).toBe('identity not found');
    const long = describeBody('x'.repeat(2000));
    expect(long).toBe(`${'x'.repeat(500)}… (1500 more characters)`);
  });
});
