import { describe, expect, it } from 'vitest';
import { wrap } from '../../test/objects.js';
import { failure, objects, objectsFailure, plan } from '../../test/request.js';

describe('objects: quirk fixes (docs/spc-parameters.md §7): file paths', () => {
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
