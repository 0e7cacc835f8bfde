import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const INDEX = fileURLToPath(new URL('./index.ts', import.meta.url));
const directory = mkdtempSync(join(tmpdir(), 'templates-readme-'));

afterAll(() => rmSync(directory, { recursive: true, force: true }));

function block(after: string, language: string): string {
  const start = README.indexOf(after);
  expect(start).toBeGreaterThanOrEqual(0);
  const match = new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\\n\`\`\``).exec(README.slice(start));
  expect(match).not.toBeNull();
  return match![1]!;
}

describe('README', () => {
  it('the example prints exactly the documented output', async () => {
    const example = block('## Example', 'ts');
    const expected = block('Output:', 'text');
    expect(example).toContain("from '@keyvault-csi/templates'");
    const file = join(directory, 'example.ts');
    writeFileSync(file, example.replace("'@keyvault-csi/templates'", JSON.stringify(INDEX)));
    const printed: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      printed.push(args.map(String).join(' '));
    });
    try {
      await import(pathToFileURL(file).href);
    } finally {
      log.mockRestore();
    }
    expect(printed.join('\n')).toBe(expected);
  });
});
