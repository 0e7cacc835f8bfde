import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { FakeNmi } from '@keyvault-csi/fake-nmi';
import { ensureTestTls, KeyVaultEmulator } from '@keyvault-csi/keyvault-emulator';
import { issueTestToken } from '@keyvault-csi/test-tokens';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Each published library as a user gets it: `npm pack` (its prepack builds and strips the dev-only
 * export condition), publint and arethetypeswrong on the tarball, then the six tarballs — and only
 * they, plus their registry dependencies — installed into an empty ESM project outside the
 * workspace, where each README's first example is type-checked against the shipped .d.ts files and
 * run with the Node under test.
 */
const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const bin = (name: string) => path.join(root, 'node_modules/.bin', name);
const LIBRARIES = ['spc', 'file-writer', 'nmi-client', 'keyvault-fetcher', 'templates', 'internal'] as const;
type Library = (typeof LIBRARIES)[number];
const SHARED_TLS_DIR = path.join(tmpdir(), 'keyvault-csi-test-tls');

let work: string;
let project: string;
const tarballs = new Map<Library, string>();

/** The first ```ts block of a library's README. */
function firstExample(library: Library): string {
  const readme = readFileSync(path.join(root, 'packages', library, 'README.md'), 'utf8');
  const block = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  if (block === undefined) throw new Error(`packages/${library}/README.md has no ts example`);
  return block;
}

/** Type-checks and compiles example.ts in the install directory; returns the compiled file. */
async function compileExample(library: Library, source: string): Promise<string> {
  const dir = path.join(project, library);
  rmSync(dir, { recursive: true, force: true });
  const file = path.join(project, `${library}.ts`);
  writeFileSync(file, source);
  await run(
    process.execPath,
    [
      path.join(root, 'node_modules/typescript/bin/tsc'),
      '--module',
      'nodenext',
      '--moduleResolution',
      'nodenext',
      '--target',
      'es2023',
      '--strict',
      '--skipLibCheck',
      '--typeRoots',
      path.join(root, 'node_modules/@types'),
      '--types',
      'node',
      '--outDir',
      dir,
      file,
    ],
    { cwd: project },
  ).catch((error: { stdout?: string }) => {
    throw new Error(`README example of ${library} does not type-check:\n${error.stdout ?? String(error)}`);
  });
  return path.join(dir, `${library}.js`);
}

async function runExample(file: string, env: NodeJS.ProcessEnv = {}): Promise<string> {
  const { stdout } = await run(process.execPath, [file], {
    cwd: project,
    env: { ...process.env, ...env },
    timeout: 30_000,
  });
  return stdout;
}

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'kvcsi-packed-'));
  const packs = path.join(work, 'tarballs');
  mkdirSync(packs);
  for (const library of LIBRARIES) {
    try {
      const { stdout } = await run(
        'npm',
        ['pack', '--workspace', `@keyvault-csi/${library}`, '--pack-destination', packs, '--json'],
        { cwd: root, maxBuffer: 16 * 1024 * 1024 },
      );
      const [info] = JSON.parse(stdout) as { filename: string }[];
      tarballs.set(library, path.join(packs, info!.filename));
    } finally {
      // npm skips postpack when the pack fails: never leave the stripped manifest in the work tree.
      await run(process.execPath, [path.join(root, 'tools/release/pack-manifest.mjs'), 'restore'], {
        cwd: path.join(root, 'packages', library),
      });
    }
  }
  project = path.join(work, 'consumer');
  mkdirSync(project);
  writeFileSync(
    path.join(project, 'package.json'),
    `${JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }, null, 2)}\n`,
  );
  // --prefer-offline: registry dependencies come from the npm cache `npm ci` filled when it can.
  await run(
    'npm',
    ['install', '--no-audit', '--no-fund', '--prefer-offline', '--no-package-lock', ...tarballs.values()],
    { cwd: project, maxBuffer: 16 * 1024 * 1024, timeout: 300_000 },
  );
}, 600_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe.each(LIBRARIES)('packed @keyvault-csi/%s', (library) => {
  it('passes publint (strict) and arethetypeswrong (ESM-only profile)', async () => {
    const tarball = tarballs.get(library)!;
    const publint = await run(bin('publint'), ['run', '--strict', tarball]).catch(
      (error: { stdout?: string; stderr?: string }) => {
        throw new Error(`publint: ${error.stdout ?? ''}${error.stderr ?? ''}`);
      },
    );
    expect(publint.stdout).toContain('All good');
    await run(bin('attw'), [tarball, '--profile', 'esm-only', '--format', 'ascii', '--no-color']).catch(
      (error: { stdout?: string }) => {
        throw new Error(`arethetypeswrong: ${error.stdout ?? String(error)}`);
      },
    );
  });

  it('ships its build, LICENSE and README, and nothing that points at unshipped sources', () => {
    const installed = path.join(project, 'node_modules/@keyvault-csi', library);
    const manifest = JSON.parse(readFileSync(path.join(installed, 'package.json'), 'utf8'));
    expect(JSON.stringify(manifest.exports)).not.toContain('@keyvault-csi/source');
    expect(JSON.stringify(manifest.exports)).not.toContain('./src/');
    expect(manifest.scripts?.prepack).toBeUndefined();
    expect(manifest.devDependencies).toBeUndefined();
    expect(manifest.publishConfig).toEqual({ access: 'public' });
    for (const [name, range] of Object.entries<string>(manifest.dependencies ?? {})) {
      if (name.startsWith('@keyvault-csi/')) expect(range, name).toMatch(/^\^/);
    }
    expect(readFileSync(path.join(installed, 'LICENSE'), 'utf8')).toContain('MIT License');
    const files = readdirSync(installed, { recursive: true }).map(String);
    expect(files).toContain('dist/index.js');
    expect(files).toContain('dist/index.d.ts');
    expect(
      files.filter((f) => f.startsWith('src/') || f.endsWith('.d.ts.map') || f.includes('.spec.')),
    ).toEqual([]);
    // Every source map carries its sources inline: it never names a file the tarball lacks.
    for (const map of files.filter((f) => f.endsWith('.js.map'))) {
      const parsed = JSON.parse(readFileSync(path.join(installed, map), 'utf8'));
      expect(parsed.sourcesContent?.length, map).toBe(parsed.sources.length);
    }
    const readme = readFileSync(path.join(installed, 'README.md'), 'utf8');
    expect(readme).toMatch(/^## Install$/m);
    // Relative links are dead on the registry's page.
    expect(readme.match(/\]\((?!https?:\/\/|#)[^)]*\)/g) ?? []).toEqual([]);
  });
});

describe('README first examples, run from the installed tarballs', () => {
  it('spc: parses the mount request and lints the manifest', async () => {
    const out = await runExample(await compileExample('spc', firstExample('spc')));
    expect(out).toContain('https://kv-shop.vault.azure.net');
    expect(out).toContain('db-password');
  });

  it('templates: renders the connection string and names the template on a missing file', async () => {
    const out = await runExample(await compileExample('templates', firstExample('templates')));
    expect(out.trim().split('\n')).toEqual([
      'conf/db.url 600 postgres://app:s3cret@db.internal:5432/app',
      'TEMPLATE_FILE_NOT_FOUND template conf/db.url: file: file "db-password" is not a file of this mount',
    ]);
  });

  it('internal: two callers, one operation', async () => {
    const out = await runExample(await compileExample('internal', firstExample('internal')));
    expect(out.trim()).toBe("[ 'answer', 'answer' ] 1");
  });

  it('file-writer: writes, swaps and rejects as commented', async () => {
    const out = await runExample(await compileExample('file-writer', firstExample('file-writer')));
    expect(out.split('\n').slice(0, 4)).toEqual(['true', '..data/db-password', '..data/tls', 's3cret']);
    expect(out).toContain('INVALID_PATH');
  });

  it('nmi-client: gets a token for the pod from NMI', async () => {
    const nmi = await FakeNmi.start({
      bindings: [{ namespace: 'shop', podName: 'web-0', clientId: 'id-1' }],
    });
    try {
      // The example's endpoint is NMI's default port; point it at the fake one.
      const source = firstExample('nmi-client').replace("'http://127.0.0.1:2579'", JSON.stringify(nmi.url));
      expect(source).toContain(nmi.url);
      const out = await runExample(await compileExample('nmi-client', source));
      expect(out).toMatch(/^got .*REDACTED.*, expires \d{4}-\d\d-\d\dT/m);
      expect(nmi.calls).toBeGreaterThan(0);
    } finally {
      await nmi.stop();
    }
  });

  it('keyvault-fetcher: mounts the secret through the Key Vault SDKs', async () => {
    const tls = await ensureTestTls(SHARED_TLS_DIR);
    const kv = await KeyVaultEmulator.start({ tlsDir: tls.dir });
    try {
      kv.vault('kv-shop')
        .grant('shop-app', { secrets: ['get'] })
        .setSecret('db-password', 'p@ssw0rd');
      // The example exports a function: call it as its comment says, with a static test token.
      const driver = `
const token = process.env.EXAMPLE_TOKEN ?? '';
const credential = { getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 3_600_000 }) };
const result = await mountDbPassword(process.env.EXAMPLE_VAULT_URL ?? '', credential, 'shop-app');
for (const file of result.files) console.log(file.path, file.mode.toString(8), Buffer.from(file.contents).toString());
`;
      const file = await compileExample('keyvault-fetcher', firstExample('keyvault-fetcher') + driver);
      const out = await runExample(file, {
        EXAMPLE_TOKEN: issueTestToken({ audience: 'https://vault.azure.net', clientId: 'shop-app' }).token,
        EXAMPLE_VAULT_URL: `${kv.vaultUrl('kv-shop')}/`,
        HTTPS_PROXY: kv.proxyUrl,
        NO_PROXY: '',
        no_proxy: '',
        NODE_EXTRA_CA_CERTS: tls.caCertPath,
      });
      expect(out.trim()).toBe('db/password.txt 600 p@ssw0rd');
    } finally {
      await kv.stop();
    }
  });
});
