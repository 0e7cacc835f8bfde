import { readFileSync } from 'node:fs';
import { FakeNmi } from '@keyvault-csi/fake-nmi';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readmeExample } from '../test/readme-example.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const exampleSource = readFileSync(new URL('../test/readme-example.ts', import.meta.url), 'utf8');

/** The example body between the markers, de-indented as it appears in the README. */
function exampleBody(): string {
  const body = /\/\/ README:start\n([\s\S]*?)\n\s*\/\/ README:end/.exec(exampleSource)?.[1];
  if (body === undefined) throw new Error('README markers missing in test/readme-example.ts');
  return body
    .split('\n')
    .map((line) => line.replace(/^ {2}/, ''))
    .join('\n');
}

let nmi: FakeNmi | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await nmi?.stop();
});

describe('README example', () => {
  it('is in the README verbatim', () => {
    expect(readme).toContain(exampleBody());
  });

  it('gets a token from NMI, retrying while the identity is being assigned', async () => {
    nmi = await FakeNmi.start({
      bindings: [{ namespace: 'shop', podName: 'web-0', clientId: 'client-id-0001' }],
    });
    nmi.injectFaults({ status: 404 });
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: string) => {
      lines.push(line);
    });
    await readmeExample(nmi.url);
    expect(lines[0]).toMatch(/^NMI retry after attempt 1, waiting \d+ ms$/);
    expect(lines[1]).toMatch(/^got eyJh##### REDACTED #####.{4}, expires \d{4}-\d\d-\d\dT/);
    expect(nmi.calls).toBe(2);
  });
});
