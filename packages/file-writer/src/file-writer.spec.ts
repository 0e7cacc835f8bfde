import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readlinkSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  fingerprint,
  listTop,
  makeTempDir,
  readText,
  TIMESTAMPED,
  text,
} from '../test/support/target-dir.js';
import { type FileToWrite, FileWriter, writeAtomically } from './file-writer.js';
import { FileWriterError } from './file-writer-error.js';

let temp: { path: string; remove: () => void };
let target: string;

beforeEach(() => {
  temp = makeTempDir();
  target = join(temp.path, 'target');
  mkdirSync(target);
});
afterEach(() => temp.remove());

const file = (path: string, contents: string, mode = 0o644): FileToWrite => ({
  path,
  mode,
  contents: text(contents),
});

async function rejection(promise: Promise<unknown>): Promise<FileWriterError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FileWriterError);
  return error as FileWriterError;
}

describe('layout', () => {
  it('first write: timestamped dir, ..data link, one relative link per top-level entry', async () => {
    const writer = new FileWriter({
      now: () => Date.UTC(2026, 4, 1, 10, 0, 0, 999),
      random: () => 0.123456789,
    });
    const result = await writer.write(target, [file('db-password', 's3cret'), file('tls/bundle.pem', 'PEM')]);

    expect(result).toEqual({
      changed: true,
      dataDirectory: '..2026_05_01_10_00_00.123456789',
      removedPaths: [],
      leftoversRemoved: 0,
    });
    expect(listTop(target).map(({ name, type, link }) => ({ name, type, link }))).toEqual([
      { name: '..2026_05_01_10_00_00.123456789', type: 'dir', link: undefined },
      { name: '..data', type: 'link', link: '..2026_05_01_10_00_00.123456789' },
      { name: 'db-password', type: 'link', link: '..data/db-password' },
      { name: 'tls', type: 'link', link: '..data/tls' },
    ]);
    expect(readText(join(target, 'db-password'))).toBe('s3cret');
    expect(readText(join(target, 'tls/bundle.pem'))).toBe('PEM');
    expect(lstatSync(join(target, '..data/tls')).isDirectory()).toBe(true);
  });

  it('an update swaps to a new directory, removes the old one, and drops files not in the new set', async () => {
    await writeAtomically(target, [file('a', 'one'), file('b', 'one'), file('dir/c', 'one')]);
    const firstDir = readlinkSync(join(target, '..data'));

    const result = await writeAtomically(target, [file('a', 'two'), file('d', 'new')]);

    expect(result.changed).toBe(true);
    expect(result.removedPaths).toEqual(['b', 'dir/c']);
    expect(result.dataDirectory).not.toBe(firstDir);
    expect(result.dataDirectory).toMatch(TIMESTAMPED);
    expect(listTop(target).map((e) => e.name)).toEqual([result.dataDirectory, '..data', 'a', 'd']);
    expect(readText(join(target, 'a'))).toBe('two');
    expect(readText(join(target, 'd'))).toBe('new');
    expect(readdirSync(join(target, '..data')).sort()).toEqual(['a', 'd']);
  });

  it('subdirectories from aliases: only the first element is linked; every directory is 0755', async () => {
    const previous = process.umask(0o077);
    try {
      await writeAtomically(target, [
        file('dir/name', 'x'),
        file('dir/sub/deeper', 'y', 0o600),
        file('other/x', 'z'),
        file('top', 't'),
      ]);
    } finally {
      process.umask(previous);
    }
    expect(
      listTop(target)
        .filter((e) => e.type === 'link')
        .map((e) => [e.name, e.link]),
    ).toEqual([
      ['..data', readlinkSync(join(target, '..data'))],
      ['dir', '..data/dir'],
      ['other', '..data/other'],
      ['top', '..data/top'],
    ]);
    expect(readText(join(target, 'dir/sub/deeper'))).toBe('y');
    for (const directory of ['..data', '..data/dir', '..data/dir/sub', '..data/other']) {
      expect(statSync(join(target, directory)).mode & 0o7777).toBe(0o755);
    }
  });

  it('applies every mode exactly under a restrictive umask', async () => {
    const modes = [0o644, 0o640, 0o600, 0o400, 0o444, 0o755, 0o777, 0o000, 0o666];
    const previous = process.umask(0o077);
    try {
      await writeAtomically(
        target,
        modes.map((mode) => file(`m-${mode.toString(8)}`, 'x', mode)),
      );
    } finally {
      process.umask(previous);
    }
    for (const mode of modes) {
      expect(statSync(join(target, `m-${mode.toString(8)}`)).mode & 0o7777, mode.toString(8)).toBe(mode);
    }
  });

  it('leaves entries it did not create alone, including other ..-prefixed names', async () => {
    writeFileSync(join(target, 'README'), 'user file');
    mkdirSync(join(target, '..mine'));
    await writeAtomically(target, [file('a', '1')]);
    await writeAtomically(target, [file('b', '2')]);
    expect(readText(join(target, 'README'))).toBe('user file');
    expect(existsSync(join(target, '..mine'))).toBe(true);
    expect(existsSync(join(target, 'a'))).toBe(false);
  });

  it('an empty set empties the visible set', async () => {
    await writeAtomically(target, [file('a', '1')]);
    const result = await writeAtomically(target, []);
    expect(result.removedPaths).toEqual(['a']);
    expect(listTop(target).map((e) => e.name)).toEqual([result.dataDirectory, '..data']);
  });
});

describe('idempotence', () => {
  it('an identical set (contents and modes) changes nothing on disk', async () => {
    const files = [file('a', 'same'), file('dir/b', 'same', 0o600)];
    const first = await writeAtomically(target, files);
    const before = fingerprint(temp.path);

    const again = await writeAtomically(target, files);

    expect(again).toEqual({
      changed: false,
      dataDirectory: first.dataDirectory,
      removedPaths: [],
      leftoversRemoved: 0,
    });
    expect(fingerprint(temp.path)).toEqual(before);
  });

  it('a mode-only change rewrites the set', async () => {
    await writeAtomically(target, [file('a', 'same', 0o644)]);
    const result = await writeAtomically(target, [file('a', 'same', 0o600)]);
    expect(result.changed).toBe(true);
    expect(statSync(join(target, 'a')).mode & 0o777).toBe(0o600);
  });

  it('a content change of one file among many rewrites; the same size is not mistaken for the same bytes', async () => {
    await writeAtomically(target, [file('a', 'aaaa'), file('b', 'bbbb')]);
    const result = await writeAtomically(target, [file('a', 'aaaa'), file('b', 'bbbc')]);
    expect(result.changed).toBe(true);
    expect(readText(join(target, 'b'))).toBe('bbbc');
  });

  it('repairs a set that was tampered with (extra file in the data dir, missing visible link)', async () => {
    const files = [file('a', '1'), file('b', '2')];
    await writeAtomically(target, files);
    const dataDir = readlinkSync(join(target, '..data'));
    writeFileSync(join(target, dataDir, 'extra'), 'x');
    expect((await writeAtomically(target, files)).changed).toBe(true);
    expect(readdirSync(join(target, '..data')).sort()).toEqual(['a', 'b']);

    const { rmSync } = await import('node:fs');
    rmSync(join(target, 'b'));
    expect((await writeAtomically(target, files)).changed).toBe(true);
    expect(readText(join(target, 'b'))).toBe('2');
  });
});

describe('leftovers', () => {
  it('the next write removes ..data_tmp and unreferenced timestamped directories, even an unchanged one', async () => {
    const files = [file('a', '1')];
    await writeAtomically(target, files);
    symlinkSync('..2020_01_01_00_00_00.000000001', join(target, '..data_tmp'));
    mkdirSync(join(target, '..2020_01_01_00_00_00.000000001/deep'), { recursive: true });
    writeFileSync(join(target, '..2020_01_01_00_00_00.000000001/deep/f'), 'old');

    const result = await writeAtomically(target, files);

    expect(result).toMatchObject({ changed: false, leftoversRemoved: 2 });
    expect(listTop(target).map((e) => e.name)).toEqual([result.dataDirectory, '..data', 'a']);
  });

  it('a dangling visible link of our form is removed when its name is not in the payload', async () => {
    await writeAtomically(target, [file('a', '1')]);
    symlinkSync('..data/ghost', join(target, 'ghost'));
    const result = await writeAtomically(target, [file('a', '1')]);
    expect(result.changed).toBe(true);
    expect(existsSync(join(target, 'ghost'))).toBe(false);
    expect(lstatSync(join(target, 'a')).isSymbolicLink()).toBe(true);
  });
});

describe('no symlink escapes', () => {
  let outside: string;
  beforeEach(() => {
    outside = join(temp.path, 'outside');
    mkdirSync(outside);
    writeFileSync(join(outside, 'db-password'), 'precious');
  });

  it('refuses a planted symlink at a payload name and touches nothing', async () => {
    symlinkSync(join(outside, 'db-password'), join(target, 'db-password'));
    const before = fingerprint(temp.path);
    const error = await rejection(writeAtomically(target, [file('db-password', 'evil')]));
    expect(error.code).toBe('REFUSE_REPLACE');
    expect(error.message).toBe('refusing to replace db-password: not a symlink into ..data');
    expect(readText(join(outside, 'db-password'))).toBe('precious');
    expect(fingerprint(temp.path)).toEqual(before);
  });

  it('refuses a relative symlink posing as a subdirectory, and a real file or directory at a payload name', async () => {
    symlinkSync('../outside', join(target, 'tls'));
    writeFileSync(join(target, 'plain'), 'legacy');
    mkdirSync(join(target, 'dir'));
    for (const path of ['tls/bundle.pem', 'plain', 'dir/x']) {
      const error = await rejection(writeAtomically(target, [file(path, 'evil')]));
      expect(error.code).toBe('REFUSE_REPLACE');
      expect(error.message).toContain(`refusing to replace ${path.split('/')[0]}`);
    }
    expect(readdirSync(outside)).toEqual(['db-password']);
    expect(readText(join(target, 'plain'))).toBe('legacy');
  });

  it('rejects a target that is a symlink, a file, or missing', async () => {
    symlinkSync(outside, join(temp.path, 'link-target'));
    writeFileSync(join(temp.path, 'file-target'), '');
    for (const [path, cause] of [
      ['link-target', 'is a symlink'],
      ['file-target', 'is not a directory'],
      ['missing', 'does not exist'],
    ] as const) {
      const error = await rejection(writeAtomically(join(temp.path, path), [file('a', 'x')]));
      expect(error.code).toBe('TARGET_NOT_DIRECTORY');
      expect(error.message).toContain(cause);
    }
    expect(readdirSync(outside)).toEqual(['db-password']);
  });

  it('replaces a planted ..data that points outside without reading, writing or deleting through it', async () => {
    symlinkSync(outside, join(target, '..data'));
    symlinkSync('..data/db-password', join(target, 'db-password'));
    const outsideBefore = fingerprint(outside);

    const result = await writeAtomically(target, [file('db-password', 'ours')]);

    expect(result.changed).toBe(true);
    expect(readlinkSync(join(target, '..data'))).toBe(result.dataDirectory);
    expect(readText(join(target, 'db-password'))).toBe('ours');
    expect(fingerprint(outside)).toEqual(outsideBefore);
  });

  it('unlinks a planted symlink with a timestamped name instead of removing what it points to', async () => {
    symlinkSync(outside, join(target, '..2020_01_01_00_00_00.000000001'));
    symlinkSync('..2020_01_01_00_00_00.000000001', join(target, '..data'));
    await writeAtomically(target, [file('a', '1')]);
    expect(readdirSync(outside)).toEqual(['db-password']);
    expect(existsSync(join(target, '..2020_01_01_00_00_00.000000001'))).toBe(false);
  });

  it('refuses a ..data that is a real directory', async () => {
    mkdirSync(join(target, '..data'));
    const error = await rejection(writeAtomically(target, [file('a', '1')]));
    expect(error).toMatchObject({
      code: 'REFUSE_REPLACE',
      message: 'refusing to replace ..data: not a symlink',
    });
  });

  it('old data directories with symlinks inside are removed without descending through them', async () => {
    await writeAtomically(target, [file('a', '1')]);
    const dataDir = readlinkSync(join(target, '..data'));
    symlinkSync(outside, join(target, dataDir, 'escape'));
    await writeAtomically(target, [file('a', '2')]);
    expect(readdirSync(outside)).toEqual(['db-password']);
    expect(existsSync(join(target, dataDir))).toBe(false);
  });
});

describe('validation happens before anything is touched', () => {
  it('rejects invalid paths, duplicates, collisions and bad modes with stable codes', async () => {
    const cases: [FileToWrite[], string][] = [
      [[file('../escape', 'x')], 'INVALID_PATH'],
      [[file('/etc/passwd', 'x')], 'INVALID_PATH'],
      [[file('..data', 'x')], 'INVALID_PATH'],
      [[file('a/', 'x')], 'INVALID_PATH'],
      [[file('a', 'x'), file('a', 'y')], 'DUPLICATE_PATH'],
      [[file('a', 'x'), file('a/b', 'y')], 'PATH_COLLISION'],
      [[file('ok', 'x'), file('a', 'x', 0o1777)], 'INVALID_FILE'],
      [[file('ok', 'x'), file('a', 'x', -1)], 'INVALID_FILE'],
      [[{ path: 'a', mode: 0o644, contents: 'text' as unknown as Uint8Array }], 'INVALID_FILE'],
    ];
    await writeAtomically(target, [file('keep', 'old')]);
    const before = fingerprint(temp.path);
    for (const [files, code] of cases) {
      const error = await rejection(writeAtomically(target, files));
      expect(error.code, JSON.stringify(files.map((f) => f.path))).toBe(code);
    }
    expect(fingerprint(temp.path)).toEqual(before);
  });

  it('names the path and the offending mode', async () => {
    const error = await rejection(writeAtomically(target, [file('a', 'x', 0o4755)]));
    expect(error.message).toBe('invalid mode for "a": 0o4755 (expected an integer from 0 to 0o777)');
  });

  it('never puts file contents in an error message, whatever the failure', async () => {
    writeFileSync(join(target, 'planted'), 'x');
    for (const files of [
      [file('a/', 'TOP-SECRET-VALUE')],
      [file('a', 'TOP-SECRET-VALUE', 0o7777)],
      [file('planted', 'TOP-SECRET-VALUE')],
      [file('a', 'TOP-SECRET-VALUE'), file('a', 'TOP-SECRET-VALUE')],
    ]) {
      const error = await rejection(writeAtomically(target, files));
      expect(`${error.message} ${String(error.cause)}`).not.toContain('TOP-SECRET');
    }
  });
});
