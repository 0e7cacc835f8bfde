import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format } from 'node:util';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { makeTempDir } from '../test/support/target-dir.js';

const README = fileURLToPath(new URL('../README.md', import.meta.url));
const SOURCE = fileURLToPath(new URL('./index.ts', import.meta.url));

/** Every ```ts block of the README, each a self-contained module. */
function examples(): string[] {
  return [...readFileSync(README, 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map(
    (match) => match[1] as string,
  );
}

/** The `// expected` comments after `console.log(...);`, in order. */
function expectedOutput(code: string): string[] {
  return [...code.matchAll(/console\.log\(.*\); \/\/ (.*)$/gm)].map((match) => match[1] as string);
}

let temp: { path: string; remove: () => void };
beforeEach(() => {
  temp = makeTempDir('file-writer-readme-');
});
afterEach(() => {
  vi.restoreAllMocks();
  temp.remove();
});

it('the README has runnable examples', () => {
  expect(examples().length).toBeGreaterThanOrEqual(2);
  for (const code of examples()) expect(expectedOutput(code).length).toBeGreaterThan(0);
});

it.each(examples().map((code, index) => [index + 1, code] as const))(
  'README example %i prints what its comments say',
  async (index, code) => {
    const runnable = code
      .replaceAll("'@keyvault-csi/file-writer'", JSON.stringify(SOURCE))
      .replaceAll('tmpdir()', JSON.stringify(temp.path));
    const directory = join(temp.path, 'examples');
    mkdirSync(directory, { recursive: true });
    const file = join(directory, `example-${index}.ts`);
    writeFileSync(file, runnable);

    const printed: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      printed.push(format(...args));
    });
    await import(file);
    expect(printed).toEqual(expectedOutput(code));
  },
);
