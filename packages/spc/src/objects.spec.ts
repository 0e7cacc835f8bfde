import { describe, expect, it } from 'vitest';
import { failure } from '../test/request.js';
import { parseObjects, SpcError } from './index.js';

describe('objects: quirk fixes (docs/spc-parameters.md §7)', () => {
  it('rejects an empty array (the reference succeeded with no files)', () => {
    expect(failure({ objects: 'array: []' }).code).toBe('OBJECTS_EMPTY');
  });
});

describe('parseObjects', () => {
  it('parses the objects parameter alone, with a default mode', () => {
    const result = parseObjects(' array:\n  - "objectName: a\\nobjectType: secret"\n', {
      defaultFileMode: 0o600,
    });
    expect(result[0]!.fileMode).toBe(0o600);
    expect(() => parseObjects('  ')).toThrow(new SpcError('OBJECTS_MISSING', 'objects is not set'));
    expect(() => parseObjects('array: []')).toThrow(
      'objects array is empty: at least one object is required',
    );
  });

  it('refuses deeply nested or alias-heavy YAML quickly instead of crashing', () => {
    const deep = `array: ${'['.repeat(2_000)}`;
    expect(() => parseObjects(deep)).toThrow(
      /^failed to yaml unmarshal objects, error: yaml: line 1: document nested deeper than 64 levels$/,
    );
    const deepBlock = `array:\n  - ${'- '.repeat(20_000)}x`;
    expect(() => parseObjects(deepBlock)).toThrow(SpcError);
    expect(() => parseObjects(`array: ${'['.repeat(20_000)}`)).toThrow(/^objects is too complex/);
    const laughs = `a: &a [x, x, x, x, x, x, x, x, x, x]\narray: [${Array(200).fill('*a').join(', ')}]`;
    expect(() => parseObjects(laughs)).toThrow(/alias references/);
  });
});
