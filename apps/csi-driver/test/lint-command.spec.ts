import { chmod, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LintReport } from '@keyvault-csi/spc';
import { beforeAll, describe, expect, it } from 'vitest';
import { runBinary } from './support/daemon-process.js';
import { makeTempDir } from './support/test-provider.js';

// `csi-driver lint` as CI runs it: the built binary, its stdout, stderr and exit code.

const SPC = (name: string, objectType = 'secret') => `apiVersion: secrets-store.csi.x-k8s.io/v1
kind: SecretProviderClass
metadata:
  name: ${name}
spec:
  provider: azure
  parameters:
    keyvaultName: kv-shop
    tenantId: tid
    objects: |
      array:
        - |
          objectName: db-password
          objectType: ${objectType}
`;
const CONFIG_MAP = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  a: b\n';
const DEPLOYMENT = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec: {}\n';

let dir: string;
let k8s: string;

beforeAll(async () => {
  dir = await makeTempDir();
  // A normal manifests folder: mixed kinds, multi-document files, nested folders, other files.
  k8s = join(dir, 'k8s');
  await mkdir(join(k8s, 'apps/shop'), { recursive: true });
  await mkdir(join(k8s, '.git'), { recursive: true });
  await mkdir(join(k8s, 'node_modules/pkg'), { recursive: true });
  await writeFile(join(k8s, 'config.yaml'), CONFIG_MAP);
  await writeFile(
    join(k8s, 'apps/shop/all.yml'),
    `${DEPLOYMENT}---\n${SPC('shop', 'secrt')}---\n${CONFIG_MAP}`,
  );
  await writeFile(join(k8s, 'apps/shop/spc.yaml'), SPC('shop-clean'));
  await writeFile(join(k8s, 'README.md'), '# not YAML: [\n');
  await writeFile(join(k8s, '.git/broken.yaml'), 'kind: [\n');
  await writeFile(join(k8s, 'node_modules/pkg/broken.yaml'), 'kind: [\n');
});

describe('csi-driver lint: inputs', () => {
  it('walks a directory, skips other kinds and says how many SecretProviderClasses it checked', async () => {
    const run = await runBinary(['lint', k8s]);
    expect(run.stdout).toBe(
      `${join(k8s, 'apps/shop/all.yml')}:20:23 error failed to get objectType:secrt, objectName:db-password, objectVersion:: Invalid vaultObjectTypes. Should be secret, key, or cert\n`,
    );
    expect(run.stderr).toBe(
      '2 SecretProviderClasses checked in 3 files (3 other documents skipped): 1 error, 0 warnings',
    );
    expect(run.code).toBe(1);
  });

  it('a clean folder exits 0', async () => {
    const run = await runBinary(['lint', join(k8s, 'apps/shop/spc.yaml'), join(k8s, 'config.yaml')]);
    // The ConfigMap was named explicitly: it holds no SecretProviderClass, which is worth a warning.
    expect(run.stdout).toBe(
      `${join(k8s, 'config.yaml')}:1:1 warning ${join(k8s, 'config.yaml')} contains no SecretProviderClass\n`,
    );
    expect(run.code).toBe(0);
  });

  it('- reads stdin', async () => {
    const run = await runBinary(['lint', '-'], {}, `${CONFIG_MAP}---\n${SPC('piped', 'nope')}`);
    expect(run.stdout).toMatch(/^<stdin>:21:23 error failed to get objectType:nope, /);
    expect(run.stderr).toBe(
      '1 SecretProviderClass checked in 1 file (1 other document skipped): 1 error, 0 warnings',
    );
    expect(run.code).toBe(1);
  });

  it('an unreadable or missing input exits 2 after linting the others', async () => {
    const locked = join(dir, 'locked.yaml');
    await writeFile(locked, SPC('locked'));
    await chmod(locked, 0o000);
    const canReadAnyway = process.getuid?.() === 0;
    const run = await runBinary(['lint', join(dir, 'missing.yaml'), locked, join(k8s, 'apps/shop/all.yml')]);
    expect(run.stderr).toContain(`csi-driver lint: ${join(dir, 'missing.yaml')}: cannot read: ENOENT`);
    if (!canReadAnyway) expect(run.stderr).toContain(`csi-driver lint: ${locked}: cannot read: EACCES`);
    expect(run.stdout).toContain('objectType:secrt');
    expect(run.code).toBe(2);
  });

  it('does not follow a symbolic link to a directory (no loops)', async () => {
    const looped = join(dir, 'looped');
    await mkdir(looped, { recursive: true });
    await writeFile(join(looped, 'spc.yaml'), SPC('looped'));
    await symlink(looped, join(looped, 'self'));
    const run = await runBinary(['lint', looped]);
    expect(run.stderr).toBe('1 SecretProviderClass checked in 1 file: 0 errors, 0 warnings');
    expect(run.code).toBe(0);
  });
});

describe('csi-driver lint: formats and exit codes', () => {
  it('--format json prints one report with the documented schema', async () => {
    const run = await runBinary(['lint', '--format', 'json', k8s, join(dir, 'missing.yaml')]);
    const report = JSON.parse(run.stdout) as LintReport;
    expect(report).toEqual({
      schemaVersion: 1,
      diagnostics: [
        {
          file: join(k8s, 'apps/shop/all.yml'),
          line: 20,
          column: 23,
          severity: 'error',
          code: 'INVALID_OBJECT_TYPE',
          message:
            'failed to get objectType:secrt, objectName:db-password, objectVersion:: Invalid vaultObjectTypes. Should be secret, key, or cert',
        },
      ],
      failures: [
        { file: join(dir, 'missing.yaml'), message: `${join(dir, 'missing.yaml')}: cannot read: ENOENT` },
      ],
      summary: {
        files: 3,
        secretProviderClasses: 2,
        skippedDocuments: 3,
        errors: 1,
        warnings: 0,
        exitCode: 2,
      },
    });
    expect(run.code).toBe(2);
  });

  it('--format github prints workflow commands GitHub shows as annotations', async () => {
    const run = await runBinary(['lint', k8s, '--format=github']);
    expect(run.stdout).toBe(
      `::error file=${join(k8s, 'apps/shop/all.yml')},line=20,col=23,title=INVALID_OBJECT_TYPE::` +
        'failed to get objectType:secrt, objectName:db-password, objectVersion:: Invalid vaultObjectTypes. Should be secret, key, or cert\n',
    );
    expect(run.code).toBe(1);
  });

  it('warnings pass unless --warnings-as-errors', async () => {
    const warned = join(dir, 'warned.yaml');
    await writeFile(warned, SPC('warned').replace('tenantId: tid', 'tenantId: tid\n    resourceGroup: rg'));
    const plain = await runBinary(['lint', warned]);
    expect(plain.stdout).toBe(`${warned}:10:5 warning parameter "resourceGroup" is ignored (legacy)\n`);
    expect(plain.code).toBe(0);
    const strict = await runBinary(['lint', '--warnings-as-errors', warned]);
    expect(strict.stdout).toBe(plain.stdout);
    expect(strict.code).toBe(1);
  });

  it('usage errors exit 2 and name lint --help', async () => {
    for (const args of [['lint'], ['lint', '--format', 'xml', k8s], ['lint', '--fromat=json', k8s]]) {
      const run = await runBinary(args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/\nRun 'csi-driver lint --help' for usage\.$/);
    }
  });

  it('-- ends the flags, so a file named like a flag can be linted', async () => {
    await writeFile(join(dir, '--odd.yaml'), SPC('odd'));
    const run = await runBinary(['lint', '--', '--odd.yaml'], {}, undefined, dir);
    expect(run.stderr).toBe('1 SecretProviderClass checked in 1 file: 0 errors, 0 warnings');
    expect(run.code).toBe(0);
  });

  it('reports the bad key of a top-level indentation error at its column', async () => {
    const file = join(dir, 'indent.yaml');
    await writeFile(
      file,
      SPC('indent').replace('kind: SecretProviderClass', '      kind: SecretProviderClass'),
    );
    const run = await runBinary(['lint', file]);
    expect(run.stdout).toBe(`${file}:2:7 error yaml: Nested mappings are not allowed in compact mappings\n`);
    expect(run.code).toBe(1);
  });
});

describe('csi-driver lint --help', () => {
  it('documents the inputs, every flag, the exit codes and examples', async () => {
    const run = await runBinary(['lint', '--help']);
    expect(run.code).toBe(0);
    for (const text of [
      'Usage:\n  csi-driver lint [flags] <file | directory | ->...',
      '--format <string>',
      'github: GitHub Actions annotations',
      '--warnings-as-errors',
      'Exit codes:\n  0  no finding at error level\n  1  at least one error (or warning, with --warnings-as-errors)\n  2  usage error, or an input could not be read',
      'Examples:\n  csi-driver lint spc.yaml',
      '| csi-driver lint -',
      'node_modules',
    ]) {
      expect(run.stdout).toContain(text);
    }
    expect((await runBinary(['help', 'lint'])).stdout).toBe(run.stdout);
  });
});
