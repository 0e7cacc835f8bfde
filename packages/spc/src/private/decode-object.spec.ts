import { describe, expect, it } from 'vitest';
import { first } from '../../test/objects.js';
import { objectsFailure } from '../../test/request.js';

describe('objects: inner YAML (each object)', () => {
  it('keeps scalars as raw text (failsafe schema)', () => {
    const object = first(
      'objectName: true\nobjectType: secret\nobjectVersion: 123\nfilePermission: 0755\nobjectAlias: 1e3',
    );
    expect(object.objectName).toBe('true');
    expect(object.objectVersion).toBe('123');
    expect(object.filePermission).toBe('0755');
    expect(object.fileMode).toBe(0o755);
    expect(object.objectAlias).toBe('1e3');
  });

  it('treats plain null forms and empty values as unset, but quoted "null" as text', () => {
    for (const empty of ['null', 'Null', 'NULL', '~', '']) {
      expect(first(`objectName: a\nobjectType: secret\nobjectAlias: ${empty}`).fileName).toBe('a');
    }
    expect(first('objectName: a\nobjectType: secret\nobjectAlias: "null"').fileName).toBe('null');
    expect(first("objectName: a\nobjectType: secret\nobjectAlias: 'NULL'").fileName).toBe('NULL');
  });

  it('trims every string field after decoding (block scalars keep their newline until then)', () => {
    const object = first('objectName: |\n  a\nobjectType: " secret\\u0085"\nobjectAlias: "  dir/b \\t"');
    expect(object.objectName).toBe('a');
    expect(object.objectType).toBe('secret');
    expect(object.fileName).toBe('dir/b');
  });

  it('ignores unknown keys', () => {
    expect(first('objectName: a\nobjectType: secret\nobjectAlais: x\nfoo: [1]').fileName).toBe('a');
  });

  it('reads objectVersionHistory as an integer: plain decimal, quoted digits, null', () => {
    expect(first('objectName: a\nobjectType: secret\nobjectVersionHistory: 5').objectVersionHistory).toBe(5);
    expect(first('objectName: a\nobjectType: secret\nobjectVersionHistory: "7"').objectVersionHistory).toBe(
      7,
    );
    expect(first('objectName: a\nobjectType: secret\nobjectVersionHistory: ~').objectVersionHistory).toBe(0);
    expect(first('objectName: a\nobjectType: secret').objectVersionHistory).toBe(0);
  });

  it('rejects non-integer history with the reference wrap and a 0-based index', () => {
    const ok = 'objectName: a\nobjectType: secret';
    expect(objectsFailure(ok, 'objectName: b\nobjectType: secret\nobjectVersionHistory: abc').message).toBe(
      'unmarshal failed for keyVaultObjects at index 1, error: yaml: unmarshal errors:\n  line 3: cannot unmarshal !!str `abc` into int32',
    );
    expect(objectsFailure('objectName: b\nobjectVersionHistory: 1.5').message).toBe(
      'unmarshal failed for keyVaultObjects at index 0, error: yaml: unmarshal errors:\n  line 2: cannot unmarshal !!float `1.5` into int32',
    );
    expect(objectsFailure('objectVersionHistory: 99999999999').message).toBe(
      'unmarshal failed for keyVaultObjects at index 0, error: yaml: unmarshal errors:\n  line 1: cannot unmarshal !!int `9999999...` into int32',
    );
    expect(objectsFailure('objectVersionHistory: "-1"').code).toBe('INVALID_OBJECT_YAML');
  });

  it('rejects collections for string fields and a non-mapping object', () => {
    expect(objectsFailure('objectName: [a]\nobjectType: {x: y}').message).toBe(
      'unmarshal failed for keyVaultObjects at index 0, error: yaml: unmarshal errors:\n  line 1: cannot unmarshal !!seq into string\n  line 2: cannot unmarshal !!map into string',
    );
    expect(objectsFailure('just a string').message).toBe(
      'unmarshal failed for keyVaultObjects at index 0, error: yaml: unmarshal errors:\n  line 1: cannot unmarshal !!str `just a ...` into types.KeyVaultObject',
    );
  });

  it('honours YAML merge keys like Go (explicit keys win, earlier merged maps win)', () => {
    const merged = first('<<: {objectType: secret, objectAlias: x}\nobjectName: a\nobjectAlias: y');
    expect([merged.objectType, merged.fileName]).toEqual(['secret', 'y']);
    const sequence = first(
      '<<: [{objectAlias: first}, {objectAlias: second, objectType: key}]\nobjectName: a',
    );
    expect([sequence.objectType, sequence.fileName]).toEqual(['key', 'first']);
    expect(objectsFailure('objectName: a\n<<: x').message).toBe(
      'unmarshal failed for keyVaultObjects at index 0, error: yaml: line 2: map merge requires map or sequence of maps as the value',
    );
    expect(first('objectName: a\nobjectType: secret\n"<<": {objectAlias: x}').fileName).toBe('a');
  });

  it('reports inner YAML syntax errors with the index', () => {
    const error = objectsFailure('objectName: a\nobjectName: b');
    expect(error.code).toBe('INVALID_OBJECT_YAML');
    expect(error.objectIndex).toBe(0);
    expect(error.message).toMatch(/^unmarshal failed for keyVaultObjects at index 0, error: yaml: line 2: /);
  });
});
