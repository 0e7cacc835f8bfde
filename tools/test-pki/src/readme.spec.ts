import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format } from 'node:util';
import { afterEach, expect, it, vi } from 'vitest';

const README = fileURLToPath(new URL('../README.md', import.meta.url));
const SOURCE = fileURLToPath(new URL('./index.ts', import.meta.url));

afterEach(() => vi.restoreAllMocks());

it('the README example prints what its comments say', async () => {
  const code = /```ts\n([\s\S]*?)```/.exec(readFileSync(README, 'utf8'))?.[1] ?? '';
  const expected = [...code.matchAll(/console\.log\(.*\); \/\/ (.*)$/gm)].map((match) => match[1]);
  expect(expected.length).toBeGreaterThan(0);
  const dir = mkdtempSync(join(tmpdir(), 'test-pki-readme-'));
  try {
    const file = join(dir, 'example.ts');
    writeFileSync(
      file,
      code
        .replaceAll("'@keyvault-csi/test-pki'", JSON.stringify(SOURCE))
        .replaceAll('tmpdir()', JSON.stringify(dir)),
    );
    const printed: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      printed.push(format(...args));
    });
    await import(file);
    expect(printed).toEqual(expected);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
