import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { TEST_TLS_DIR, TestTokenCredential } from './helpers.js';
import { readmeExample } from './readme-example.js';

const dedent = (text: string) => {
  const lines = text.split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => l.length - l.trimStart().length));
  return lines.map((l) => l.slice(indent)).join('\n');
};

describe('README', () => {
  it('shows exactly the quick-start code this spec runs', async () => {
    const source = await readFile(new URL('./readme-example.ts', import.meta.url), 'utf8');
    const region = /\/\/ #region readme\n([\s\S]*?)\n\s*\/\/ #endregion readme/.exec(source)?.[1];
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    expect(region).toBeTruthy();
    expect(readme).toContain(dedent(region!));
  });

  it('runs the quick-start: both access paths, the injected 429 and the counters', async () => {
    delete process.env['NO_PROXY'];
    const result = await readmeExample(new TestTokenCredential('my-client-id'), TEST_TLS_DIR);
    expect(result.a).toBe('s3cret');
    expect(result.b).toBe('s3cret');
    expect(result.stats).toMatchObject({
      probes: 2,
      authorized: 4,
      byStatus: { '200': 2, '401': 2, '429': 2 },
      byIdentity: { 'my-client-id': 4 },
    });
  });
});
