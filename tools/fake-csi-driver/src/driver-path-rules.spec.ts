import { describe, expect, it } from 'vitest';
import { driverPathError } from './driver-path-rules.js';

describe('driverPathError', () => {
  it.each([
    ['', 'invalid path: must not be empty: ""'],
    ['/etc/passwd', 'invalid path: must be relative path: /etc/passwd'],
    ['a/../b', "invalid path: must not contain '..': a/../b"],
    ['..data', "invalid path: must not start with '..': ..data"],
    [`${'x'.repeat(256)}`, 'invalid path: filenames must be less than or equal to 255 characters'],
    [`${'d/'.repeat(2048)}f`, 'invalid path: must be less than or equal to 4096 characters'],
    ['./a', 'invalid filepath: "./a"'],
    ['a/', 'invalid filepath: "a/"'],
    ['a//b', 'invalid filepath: "a//b"'],
    ['a/./b', 'invalid filepath: "a/./b"'],
  ])('refuses %j with the driver text', (path, message) => {
    expect(driverPathError(['fine', path])).toBe(message);
  });

  it('accepts clean relative paths, backslashes, names of 255 bytes and a leading ".." only as part of a later element', () => {
    expect(
      driverPathError(['a', 'dir/sub/file', 'back\\slash', 'é'.repeat(127), 'a/..b', '.hidden']),
    ).toBeUndefined();
  });

  it('reports the first bad path in response order', () => {
    expect(driverPathError(['ok', 'b/', '/c'])).toBe('invalid filepath: "b/"');
  });
});
