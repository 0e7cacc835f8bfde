import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { TokenCredential } from '@azure/core-auth';
import type { KeyVaultEmulator } from '@keyvault-csi/keyvault-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProxiedEmulator, stopProxiedEmulator, TestCredential } from '../test/helpers.js';
import type { FetchResult } from './index.js';
import { MountFetchError } from './index.js';

const here = dirname(fileURLToPath(import.meta.url));

/** The first ```ts block of the README, importing this package's source instead of its dist. */
function readmeExample(): string {
  const readme = readFileSync(join(here, '..', 'README.md'), 'utf8');
  const block = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!block) throw new Error('README has no ts example');
  return block.replace("'@keyvault-csi/keyvault-fetcher'", JSON.stringify(join(here, 'index.ts')));
}

type Example = {
  mountDbPassword(vaultUrl: string, credential: TokenCredential, clientId: string): Promise<FetchResult>;
};

describe('README example', () => {
  let kv: KeyVaultEmulator;
  let dir: string;
  let example: Example;

  beforeAll(async () => {
    kv = await startProxiedEmulator();
    kv.vault('kv-shop')
      .grant('shop-app', { secrets: ['get'] })
      .setSecret('db-password', 'p@ssw0rd');
    dir = mkdtempSync(join(tmpdir(), 'kvf-readme-'));
    const file = join(dir, 'example.ts');
    writeFileSync(file, readmeExample());
    example = (await import(/* @vite-ignore */ pathToFileURL(file).href)) as Example;
  });

  afterAll(async () => {
    await stopProxiedEmulator(kv);
    rmSync(dir, { recursive: true, force: true });
  });

  it('mounts the secret as the README says', async () => {
    const result = await example.mountDbPassword(
      `${kv.vaultUrl('kv-shop')}/`,
      new TestCredential('shop-app'),
      'shop-app',
    );
    expect(result.files).toEqual([
      { path: 'db/password.txt', mode: 0o600, contents: Buffer.from('p@ssw0rd') },
    ]);
    expect(result.objectVersions).toEqual([
      { id: 'secret/db-password', version: expect.stringMatching(/^[0-9a-f]{32}$/) },
    ]);
  });

  it('rejects with a MountFetchError for an identity without access', async () => {
    const error = await example
      .mountDbPassword(kv.vaultUrl('kv-shop'), new TestCredential('other-app'), 'other-app')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MountFetchError);
  });
});
