import { describe, expect, it } from 'vitest';
import { FileWriterError } from './file-writer-error.js';
import { validatePath, validatePaths } from './validate-paths.js';

function errorOf(action: () => void): FileWriterError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(FileWriterError);
    return error as FileWriterError;
  }
  throw new Error('expected a FileWriterError');
}

describe('validatePath', () => {
  it.each([
    ['', 'must not be empty'],
    ['/etc/x', 'must be a relative path'],
    ['/', 'must be a relative path'],
    ['a/../b', "must not contain a '..' element"],
    ['..', "must not contain a '..' element"],
    ['a/..', "must not contain a '..' element"],
    ['..data', "must not start with '..'"],
    ['..foo/bar', "must not start with '..'"],
    ['...', "must not start with '..'"],
    ['./a', 'must be in clean form'],
    ['.', 'must be in clean form'],
    ['a/', 'must be in clean form'],
    ['a//b', 'must be in clean form'],
    ['a/./b', 'must be in clean form'],
    ['a\0b', 'must not contain a NUL byte'],
    ['a\uD800b', 'must be valid Unicode'],
    ['x'.repeat(256), 'every element must be at most 255 bytes'],
    [`d/${'é'.repeat(128)}`, 'every element must be at most 255 bytes'],
    [`${'y'.repeat(200)}/`.repeat(21).slice(0, -1), 'must not be longer than 4096 bytes'],
  ])('rejects %#: %s', (path, rule) => {
    const error = errorOf(() => validatePath(path));
    expect(error.code).toBe('INVALID_PATH');
    expect(error.message).toContain(rule);
    expect(error.path).toBe(path);
  });

  it('names the path in the message, quoted and shortened when long', () => {
    expect(errorOf(() => validatePath('a//b')).message).toBe(
      `invalid path "a//b": must be in clean form (no empty or '.' elements, no leading or trailing '/')`,
    );
    expect(errorOf(() => validatePath('z'.repeat(300))).message).toContain('…(300 bytes)');
  });

  it.each([
    'a',
    'tls/bundle.pem',
    'a.b',
    '.hidden',
    'a..b',
    'x/..y',
    'a\\b',
    'spaces are fine',
    'ünïcödé',
    'x'.repeat(255),
    `d/${'é'.repeat(127)}`,
  ])('accepts %#: %j', (path) => {
    expect(() => validatePath(path)).not.toThrow();
  });

  it('counts bytes, not characters: 4096 bytes pass, 4097 fail', () => {
    const base = `${'y'.repeat(240)}/`.repeat(16); // 3856 bytes
    const exactly4096 = `${base}${'y'.repeat(240)}`;
    const bytes4097 = `${base}${'y'.repeat(239)}é`; // 240 characters, 241 bytes
    expect(Buffer.byteLength(exactly4096)).toBe(4096);
    expect(() => validatePath(exactly4096)).not.toThrow();
    expect(errorOf(() => validatePath(bytes4097)).message).toContain('must not be longer than 4096 bytes');
  });
});

describe('validatePaths', () => {
  it('rejects duplicates', () => {
    const error = errorOf(() => validatePaths(['a', 'b', 'a']));
    expect(error).toMatchObject({ code: 'DUPLICATE_PATH', message: 'duplicate path "a"', path: 'a' });
  });

  it('rejects a file that is also a directory of another file, in either order and at any depth', () => {
    for (const paths of [
      ['a', 'a/b'],
      ['a/b', 'a'],
      ['x/y', 'x/y/z/w'],
    ]) {
      const error = errorOf(() => validatePaths(paths));
      expect(error.code).toBe('PATH_COLLISION');
      expect(error.message).toMatch(/^path ".+" is a file and also the directory of ".+"$/);
    }
  });

  it('accepts siblings sharing a directory and names that merely share a prefix', () => {
    expect(() => validatePaths(['a/b', 'a/c', 'ab', 'a.b/c', 'x'])).not.toThrow();
  });
});
