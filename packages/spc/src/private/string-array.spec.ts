import { describe, expect, it } from 'vitest';
import { failure, objects, plan } from '../../test/request.js';

describe('objects: outer YAML (array of YAML documents)', () => {
  it('keeps objects in order with their index', () => {
    const result = plan({
      objects: objects(
        'objectName: a\nobjectType: secret',
        'objectName: b\nobjectType: key',
        'objectName: c\nobjectType: cert',
      ),
    });
    expect(result.objects.map((o) => [o.index, o.objectName, o.objectType])).toEqual([
      [0, 'a', 'secret'],
      [1, 'b', 'key'],
      [2, 'c', 'cert'],
    ]);
  });

  it('accepts JSON, which is YAML', () => {
    const result = plan({ objects: '{"array":["objectName: a\\nobjectType: secret"]}' });
    expect(result.objects[0]!.objectName).toBe('a');
  });

  it('rejects a root sequence and mapping items with Go-style unmarshal errors', () => {
    expect(failure({ objects: '- objectName: a' }).message).toBe(
      'failed to yaml unmarshal objects, error: yaml: unmarshal errors:\n  line 1: cannot unmarshal !!seq into types.StringArray',
    );
    expect(failure({ objects: 'array:\n  - objectName: a\n    objectType: secret\n  - [x]' }).message).toBe(
      'failed to yaml unmarshal objects, error: yaml: unmarshal errors:\n  line 2: cannot unmarshal !!map into string\n  line 4: cannot unmarshal !!seq into string',
    );
    expect(failure({ objects: 'array: objectName' }).message).toBe(
      'failed to yaml unmarshal objects, error: yaml: unmarshal errors:\n  line 1: cannot unmarshal !!str `objectName` into []string',
    );
    expect(failure({ objects: 'just text that is long' }).message).toBe(
      'failed to yaml unmarshal objects, error: yaml: unmarshal errors:\n  line 1: cannot unmarshal !!str `just te...` into types.StringArray',
    );
    expect(failure({ objects: 'array: [a]' }).message).toBe(
      'unmarshal failed for keyVaultObjects at index 0, error: yaml: unmarshal errors:\n  line 1: cannot unmarshal !!str `a` into types.KeyVaultObject',
    );
  });

  it('reports YAML syntax errors with the reference prefix and a line', () => {
    const error = failure({ objects: 'array:\n  - "unterminated' });
    expect(error.code).toBe('INVALID_OBJECTS_YAML');
    expect(error.message).toMatch(/^failed to yaml unmarshal objects, error: yaml: line \d+: \S/);
    expect(failure({ objects: 'array: []\narray: []' }).message).toMatch(
      /^failed to yaml unmarshal objects, error: yaml: line 2: .*unique/,
    );
  });

  it('treats a missing or null array as empty (then our empty-array error)', () => {
    for (const text of ['array:', 'array: ~', 'other: x', 'array: []', '~']) {
      const error = failure({ objects: text });
      expect(error.code).toBe('OBJECTS_EMPTY');
      expect(error.message).toBe('objects array is empty: at least one object is required');
    }
  });

  it('reads only the first YAML document', () => {
    expect(
      plan({ objects: `${objects('objectName: a\nobjectType: secret')}---\n[broken` }).objects,
    ).toHaveLength(1);
  });

  it('follows aliases to scalar items', () => {
    const result = plan({ objects: 'x: &one "objectName: a\\nobjectType: secret"\narray: [*one]' });
    expect(result.objects[0]!.objectName).toBe('a');
  });
});
