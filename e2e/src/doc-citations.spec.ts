// What code comments and READMEs cite must be in the repository: CI and users have only the
// repository, not the planning material it was written from. Every `docs/<name>.md` path, every
// relative Markdown link (and its #anchor), every `<name>.md §N` section citation of the reference
// documents, and no path into the planning folders.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CITED_DOCUMENTS,
  findBrokenCitations,
  headingAnchors,
  repositoryFiles,
  sectionNumbers,
} from './support/doc-citations.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

describe('document citations in the repository', () => {
  // This checker's own files hold deliberately broken citations as test input.
  const CHECKER = ['e2e/src/doc-citations.spec.ts', 'e2e/src/support/doc-citations.ts'];
  const files = repositoryFiles(ROOT).filter((file) => !CHECKER.includes(file));

  it('scans the repository (sources, READMEs, docs)', () => {
    expect(files).toContain('docs/README.md');
    expect(files).toContain('packages/spc/src/objects.ts');
    expect(files).toContain('apps/csi-driver/README.md');
    expect(files.some((file) => file.includes('node_modules'))).toBe(false);
  });

  it('has every cited reference document under docs/, each page listed in docs/README.md', () => {
    for (const name of CITED_DOCUMENTS) expect(files).toContain(`docs/${name}.md`);
    const index = readFileSync(path.join(ROOT, 'docs/README.md'), 'utf8');
    const pages = files.filter((file) => /^docs\/[^/]+\.md$/.test(file) && file !== 'docs/README.md');
    for (const page of pages) {
      expect(index, `docs/README.md links ${page}`).toContain(`](${path.posix.basename(page)})`);
    }
  });

  it('resolves every citation', () => {
    const broken = findBrokenCitations(ROOT, files).map(
      (b) => `${b.file}:${b.line}: ${b.citation} — ${b.problem}`,
    );
    expect(broken).toEqual([]);
  });
});

describe('the citation checker', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'doc-citations-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  function repo(files: Record<string, string>): string {
    const root = mkdtempSync(path.join(scratch, 'repo-'));
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
      writeFileSync(path.join(root, name), text);
    }
    return root;
  }

  const NMI = '# NMI\n\n## 1. Request\n\n## 3. Errors\n\n### 3.1 Retries\n';

  it('reports a cited document that is missing, a missing section, and paths outside the repository', () => {
    const root = repo({
      'docs/nmi.md': NMI,
      'packages/a/src/a.ts': [
        '// NMI texts (nmi.md §3), retries (docs/nmi.md §3.1, §4)',
        '// outputs: object-outputs §2.1',
        '// see /work/shared/spec/nmi.md',
        "const CHANGES = new URL('../CHANGES.md', import.meta.url);",
      ].join('\n'),
      'packages/a/README.md':
        'See [NMI](../../docs/nmi.md#3-errors) and [gone](../../docs/gone.md), [bad](#nope).\n',
    });
    const broken = findBrokenCitations(root, ['packages/a/src/a.ts', 'packages/a/README.md']).map(
      (b) => `${b.file}:${b.line} ${b.problem}`,
    );
    expect(broken).toEqual([
      'packages/a/src/a.ts:3 cites a file outside the repository',
      'packages/a/src/a.ts:1 docs/nmi.md has no section 4',
      'packages/a/src/a.ts:2 docs/object-outputs.md does not exist',
      'packages/a/src/a.ts:4 packages/a/CHANGES.md does not exist in the repository',
      'packages/a/README.md:1 docs/gone.md does not exist in the repository',
      'packages/a/README.md:1 link target docs/gone.md does not exist in the repository',
      'packages/a/README.md:1 packages/a/README.md has no heading for #nope',
    ]);
  });

  it('accepts citations that resolve, across a comment line break and in ranges', () => {
    const root = repo({
      'docs/nmi.md': NMI,
      'packages/a/README.md':
        '# A\n\n## Errors\n\nSee [`docs/nmi.md`](../../docs/nmi.md) §3 and [errors](#errors).\n',
      'packages/a/src/a.ts':
        '/** Every rule (docs/nmi.md\n * §1–§3) and `nmi.md` §3.1; nmi §1–3 */\nexport const x = 1; // issue 7 §9\n',
    });
    expect(findBrokenCitations(root, ['packages/a/README.md', 'packages/a/src/a.ts'])).toEqual([]);
  });

  it('checks bare § references of a reference document against its own sections', () => {
    const root = repo({ 'docs/nmi.md': `${NMI}\nRetries follow §3.1; see §9.\n` });
    expect(findBrokenCitations(root, ['docs/nmi.md']).map((b) => b.problem)).toEqual([
      'docs/nmi.md has no section 9',
    ]);
  });

  it('numbers sections and anchors headings as GitHub does', () => {
    expect([...sectionNumbers(NMI)]).toEqual(['1', '3', '3.1']);
    expect([
      ...headingAnchors(
        '## `csi-driver lint --format json` report (schema version 1)\n## Flags (serve)\n## A\n## A\n',
      ),
    ]).toEqual(['csi-driver-lint---format-json-report-schema-version-1', 'flags-serve', 'a', 'a-1']);
  });
});
