import { describe, expect, it } from 'vitest';
import { checkFilePath, SpcError, validateFilePath } from './index.js';

const causeOf = (path: string): string | undefined => checkFilePath(path)?.message;

describe('validateFilePath', () => {
  it('accepts clean relative paths, sub-directories and backslashes', () => {
    for (const path of [
      'a',
      'dir/file.pem',
      'a/b/c/d',
      'back\\slash',
      '.hidden',
      'a.b',
      'é/ü',
      `${'x'.repeat(255)}/y`,
    ]) {
      expect(() => validateFilePath(path)).not.toThrow();
    }
  });

  it('rejects empty, absolute and `..` paths with the reference causes', () => {
    expect(causeOf('')).toBe('file name must not be empty');
    expect(causeOf('/abs')).toBe('file name must be a relative path');
    for (const path of ['..', '../x', 'a/../b', 'a/..', 'a..b', '..data', 'x/..y']) {
      expect(causeOf(path)).toBe("file name must not contain '..'");
    }
  });

  it('rejects paths that are not in clean form', () => {
    for (const path of ['./a', 'a/', 'a//b', '.', 'a/./b', 'a/.']) {
      expect(causeOf(path)).toBe(`file name must be a clean relative path: "${path}"`);
    }
  });

  it('rejects NUL and over-long elements or paths (in UTF-8 bytes)', () => {
    expect(causeOf('a\0b')).toBe('file name must not contain a NUL character');
    expect(causeOf('x'.repeat(256))).toBe(
      `file name element "${'x'.repeat(100)}…" must be at most 255 bytes, got 256`,
    );
    expect(causeOf('é'.repeat(128))).toMatch(/must be at most 255 bytes, got 256$/);
    const long = Array(20).fill('y'.repeat(205)).join('/');
    expect(causeOf(long)).toBe('file name must be at most 4096 bytes, got 4119');
    expect(causeOf(Array(16).fill('y'.repeat(255)).join('/'))).toBeUndefined();
  });

  it('throws SpcError with a stable code per problem', () => {
    const codeOf = (path: string): string => {
      try {
        validateFilePath(path);
      } catch (error) {
        if (error instanceof SpcError) return error.code;
      }
      return 'none';
    };
    expect(['', '/a', '../a', './a', 'a\0', 'x'.repeat(300)].map(codeOf)).toEqual([
      'FILE_NAME_EMPTY',
      'FILE_NAME_ABSOLUTE',
      'FILE_NAME_DOT_DOT',
      'FILE_NAME_UNCLEAN',
      'FILE_NAME_NUL',
      'FILE_NAME_TOO_LONG',
    ]);
  });
});
