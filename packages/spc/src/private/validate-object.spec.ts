import { describe, expect, it } from 'vitest';
import { first, wrap } from '../../test/objects.js';
import { objectsFailure, plan } from '../../test/request.js';

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
});
