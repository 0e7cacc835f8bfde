import { describe, expect, it } from 'vitest';
import { failure, objects, objectsFailure, plan } from '../test/request.js';
import { type KeyVaultObject, parseObjects, SpcError } from './index.js';

const first = (...items: string[]): KeyVaultObject => plan({ objects: objects(...items) }).objects[0]!;
const wrap = (type: string, name: string, version: string, cause: string): string =>
  `failed to get objectType:${type}, objectName:${name}, objectVersion:${version}: ${cause}`;

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

describe('objects: per-object checks in order (step 14)', () => {
  it('rejects an invalid objectFormat (any case accepted) with the double colon of an empty version', () => {
    expect(objectsFailure('objectName: secret1\nobjectType: secret\nobjectFormat: pkcs').message).toBe(
      'failed to get objectType:secret, objectName:secret1, objectVersion:: invalid objectFormat: pkcs, should be PEM or PFX',
    );
    expect(first('objectName: a\nobjectType: secret\nobjectFormat: PFX').objectFormat).toBe('pfx');
    expect(first('objectName: a\nobjectType: cert\nobjectFormat: Pem').objectFormat).toBe('pem');
  });

  it('rejects pfx for keys and certs in any case (quirk fix: PFX + cert used to pass)', () => {
    for (const format of ['pfx', 'PFX', 'Pfx']) {
      expect(objectsFailure(`objectName: c\nobjectType: cert\nobjectFormat: ${format}`).message).toBe(
        wrap('cert', 'c', '', 'PFX format only supported for objectType: secret'),
      );
    }
    expect(objectsFailure('objectName: c\nobjectType: cert\nobjectFormat: pfx').code).toBe(
      'PFX_REQUIRES_SECRET',
    );
  });

  it('checks objectEncoding: secret only, hex/base64/utf-8 in any case', () => {
    expect(objectsFailure('objectName: k\nobjectType: key\nobjectEncoding: base64').message).toBe(
      wrap('key', 'k', '', 'objectEncoding only supported for objectType: secret'),
    );
    expect(objectsFailure('objectName: s\nobjectType: secret\nobjectEncoding: utf8').message).toBe(
      wrap('secret', 's', '', 'invalid objectEncoding: utf8, should be hex, base64 or utf-8'),
    );
    expect(first('objectName: s\nobjectType: secret\nobjectEncoding: BASE64').objectEncoding).toBe('base64');
    expect(first('objectName: s\nobjectType: secret\nobjectEncoding: Hex').objectEncoding).toBe('hex');
    expect(first('objectName: s\nobjectType: secret\nobjectEncoding: UTF-8').objectEncoding).toBe('utf-8');
  });

  it('checks the file name: alias, else name', () => {
    const cases: [string, string, string][] = [
      [
        'objectName: s\nobjectType: secret\nobjectAlias: /etc/passwd',
        'file name must be a relative path',
        'FILE_NAME_ABSOLUTE',
      ],
      [
        'objectName: s\nobjectType: secret\nobjectAlias: ../x',
        "file name must not contain '..'",
        'FILE_NAME_DOT_DOT',
      ],
      [
        'objectName: s\nobjectType: secret\nobjectAlias: a..b',
        "file name must not contain '..'",
        'FILE_NAME_DOT_DOT',
      ],
      [
        'objectName: s\nobjectType: secret\nobjectAlias: ./a',
        'file name must be a clean relative path: "./a"',
        'FILE_NAME_UNCLEAN',
      ],
      [
        'objectName: s\nobjectType: secret\nobjectAlias: a/',
        'file name must be a clean relative path: "a/"',
        'FILE_NAME_UNCLEAN',
      ],
      [
        'objectName: s\nobjectType: secret\nobjectAlias: a//b',
        'file name must be a clean relative path: "a//b"',
        'FILE_NAME_UNCLEAN',
      ],
    ];
    for (const [item, cause, code] of cases) {
      const error = objectsFailure(item);
      expect(error.message).toBe(wrap('secret', 's', '', cause));
      expect(error.code).toBe(code);
    }
    expect(objectsFailure('objectType: secret').message).toBe(
      wrap('secret', '', '', 'file name must not be empty'),
    );
    expect(first('objectName: s\nobjectType: secret\nobjectAlias: dir/sub/file.pem').fileName).toBe(
      'dir/sub/file.pem',
    );
    expect(first('objectName: s\nobjectType: secret\nobjectAlias: back\\slash').fileName).toBe('back\\slash');
  });

  it('runs the reference checks before ours, in the documented order', () => {
    expect(
      objectsFailure('objectType: Secret\nobjectFormat: bad\nobjectEncoding: bad\nobjectAlias: /x').code,
    ).toBe('INVALID_OBJECT_FORMAT');
    expect(objectsFailure('objectType: Secret\nobjectEncoding: bad\nobjectAlias: /x').code).toBe(
      'ENCODING_REQUIRES_SECRET',
    );
    expect(objectsFailure('objectType: Secret\nobjectAlias: /x').code).toBe('FILE_NAME_ABSOLUTE');
    expect(objectsFailure('objectType: Secret\nobjectAlias: x').code).toBe('OBJECT_NAME_MISSING');
    expect(objectsFailure('objectName: a\nobjectType: Secret\nfilePermission: 9').code).toBe(
      'INVALID_OBJECT_TYPE',
    );
  });

  it('stops at the first failing object, before later objects are decoded', () => {
    const error = objectsFailure('objectName: a\nobjectType: secret\nobjectFormat: x', 'objectName: [');
    expect(error.code).toBe('INVALID_OBJECT_FORMAT');
    expect(error.objectIndex).toBe(0);
  });

  it('cuts echoed values to 100 characters', () => {
    const name = 'n'.repeat(300);
    expect(
      objectsFailure(`objectName: ${name}\nobjectType: secret\nobjectFormat: ${'f'.repeat(300)}`).message,
    ).toBe(
      wrap(
        'secret',
        `${'n'.repeat(100)}…`,
        '',
        `invalid objectFormat: ${'f'.repeat(100)}…, should be PEM or PFX`,
      ),
    );
  });
});

describe('objects: quirk fixes (docs/spc-parameters.md §7)', () => {
  it('validates objectType (wrong case too) with the reference text', () => {
    for (const type of ['Secret', 'certificate', '']) {
      const error = objectsFailure(`objectName: a\nobjectType: "${type}"`);
      expect(error.code).toBe('INVALID_OBJECT_TYPE');
      expect(error.message).toBe(
        wrap(type, 'a', '', 'Invalid vaultObjectTypes. Should be secret, key, or cert'),
      );
    }
  });

  it('rejects an empty objectName even with an alias', () => {
    expect(objectsFailure('objectType: secret\nobjectAlias: file').message).toBe(
      wrap('secret', '', '', 'objectName must not be empty'),
    );
  });

  it('accepts filePermission [0-7]{1,4} with a value 1..0777, else a clear error (not mode 0)', () => {
    expect(first('objectName: a\nobjectType: secret\nfilePermission: 0600').fileMode).toBe(384);
    expect(first('objectName: a\nobjectType: secret\nfilePermission: "640"').fileMode).toBe(0o640);
    expect(first('objectName: a\nobjectType: secret\nfilePermission: 0777').fileMode).toBe(0o777);
    expect(first('objectName: a\nobjectType: secret\nfilePermission: 1').fileMode).toBe(1);
    expect(first('objectName: a\nobjectType: secret').fileMode).toBe(420);
    for (const bad of ['0900', 'abc', '-644', '0', '0000', '1777', '00644', '0o644', '6 44']) {
      const error = objectsFailure(`objectName: a\nobjectType: secret\nfilePermission: "${bad}"`);
      expect(error.code).toBe('INVALID_FILE_PERMISSION');
      expect(error.message).toBe(
        wrap('secret', 'a', '', `file permission must be a valid octal number: "${bad}"`),
      );
    }
  });

  it('uses the request permission as the default mode', () => {
    expect(plan({}, { permission: '256' }).objects[0]!.fileMode).toBe(256);
  });

  it('keeps `latest` and version ids as written (both current-version forms are handled by the fetcher)', () => {
    expect(first('objectName: a\nobjectType: secret\nobjectVersion: latest').objectVersion).toBe('latest');
    expect(
      first('objectName: a\nobjectType: secret\nobjectVersion: 0123456789abcdef0123456789abcdef')
        .objectVersion,
    ).toBe('0123456789abcdef0123456789abcdef');
    expect(
      objectsFailure('objectName: a\nobjectType: secret\nobjectVersion: v1\nobjectFormat: x').message,
    ).toBe(wrap('secret', 'a', 'v1', 'invalid objectFormat: x, should be PEM or PFX'));
  });

  it('rejects a negative objectVersionHistory', () => {
    expect(objectsFailure('objectName: a\nobjectType: secret\nobjectVersionHistory: -2').message).toBe(
      wrap('secret', 'a', '', 'objectVersionHistory must not be negative: -2'),
    );
  });

  it('rejects an empty array (the reference succeeded with no files)', () => {
    expect(failure({ objects: 'array: []' }).code).toBe('OBJECTS_EMPTY');
  });

  it('rejects two objects resolving to the same file path', () => {
    const error = objectsFailure(
      'objectName: a\nobjectType: secret',
      'objectName: b\nobjectType: secret',
      'objectName: c\nobjectType: key\nobjectAlias: a',
    );
    expect(error.code).toBe('DUPLICATE_FILE_PATH');
    expect(error.objectIndex).toBe(2);
    expect(error.message).toBe(wrap('key', 'c', '', 'duplicate file path "a" (objects 0 and 2)'));
  });

  it('rejects a file that is a directory prefix of another, in either order', () => {
    expect(
      objectsFailure(
        'objectName: a\nobjectType: secret',
        'objectName: b\nobjectType: secret\nobjectAlias: a/b',
      ).message,
    ).toBe(wrap('secret', 'b', '', 'file path "a" (object 0) is also a directory in "a/b" (object 1)'));
    expect(
      objectsFailure(
        'objectName: b\nobjectType: secret\nobjectAlias: a/b/c',
        'objectName: a\nobjectType: secret',
      ).message,
    ).toBe(wrap('secret', 'a', '', 'file path "a" (object 1) is also a directory in "a/b/c" (object 0)'));
    expect(
      plan({
        objects: objects(
          'objectName: ab\nobjectType: secret',
          'objectName: c\nobjectType: secret\nobjectAlias: a/b',
        ),
      }).objects,
    ).toHaveLength(2);
  });

  it('treats history objects as directories of 0..N-1', () => {
    const history = 'objectName: h\nobjectType: secret\nobjectVersionHistory: 3';
    expect(objectsFailure(history, 'objectName: x\nobjectType: secret\nobjectAlias: h/2').message).toBe(
      wrap('secret', 'x', '', 'duplicate file path "h/2" (objects 0 and 1)'),
    );
    expect(objectsFailure(history, 'objectName: x\nobjectType: secret\nobjectAlias: h/1/y').code).toBe(
      'FILE_PATH_CONFLICT',
    );
    expect(objectsFailure(history, 'objectName: h\nobjectType: key').message).toBe(
      wrap('key', 'h', '', 'file path "h" (object 1) is also a directory in "h/0" (object 0)'),
    );
    expect(
      plan({ objects: objects(history, 'objectName: x\nobjectType: secret\nobjectAlias: h/3') }).objects,
    ).toHaveLength(2);
    expect(objectsFailure('objectName: x\nobjectType: secret\nobjectAlias: h/0', history).message).toBe(
      wrap('secret', 'h', '', 'duplicate file path "h/0" (objects 0 and 1)'),
    );
  });
});

describe('split .crt/.key files in the path checks (--write-cert-and-key-in-separate-files)', () => {
  const SPLIT = { options: { writeCertAndKeyInSeparateFiles: true } };
  const NOTE = ' (a split certificate or key file: --write-cert-and-key-in-separate-files is on)';
  const tls = 'objectName: tls\nobjectType: secret';

  it('refuses an object at <file>.crt or <file>.key of a secret, in either order', () => {
    for (const [items, message] of [
      [
        [tls, 'objectName: other\nobjectType: secret\nobjectAlias: tls.crt'],
        wrap('secret', 'other', '', `duplicate file path "tls.crt" (objects 0 and 1)${NOTE}`),
      ],
      [
        ['objectName: k\nobjectType: key\nobjectAlias: tls.key', tls],
        wrap('secret', 'tls', '', `duplicate file path "tls.key" (objects 0 and 1)${NOTE}`),
      ],
    ] as const) {
      const error = failure({ objects: objects(...items) }, SPLIT);
      expect(error.code).toBe('DUPLICATE_FILE_PATH');
      expect(error.message).toBe(message);
    }
  });

  it('claims <dir>/<i>.crt and .key of a history object', () => {
    const history = 'objectName: h\nobjectType: secret\nobjectVersionHistory: 2';
    const error = failure(
      { objects: objects(history, 'objectName: x\nobjectType: secret\nobjectAlias: h/1.key') },
      SPLIT,
    );
    expect(error.message).toBe(
      wrap('secret', 'x', '', `duplicate file path "h/1.key" (objects 0 and 1)${NOTE}`),
    );
    expect(
      plan({ objects: objects(history, 'objectName: x\nobjectType: secret\nobjectAlias: h/2.key') }, SPLIT)
        .objects,
    ).toHaveLength(2);
  });

  it('leaves keys, certs, pfx secrets and the flag off alone', () => {
    const crt = 'objectName: other\nobjectType: secret\nobjectAlias: a.crt';
    for (const owner of [
      'objectName: a\nobjectType: key',
      'objectName: a\nobjectType: cert',
      'objectName: a\nobjectType: secret\nobjectFormat: PFX',
    ]) {
      expect(plan({ objects: objects(owner, crt) }, SPLIT).objects).toHaveLength(2);
    }
    expect(plan({ objects: objects('objectName: a\nobjectType: secret', crt) }).objects).toHaveLength(2);
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
