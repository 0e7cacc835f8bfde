import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * The reference documents code and READMEs cite by name, often without the `docs/` prefix
 * (`object-outputs.md §3.1`, `extensions §7`). Each must exist as `docs/<name>.md`.
 */
export const CITED_DOCUMENTS = [
  'deployment',
  'extensions',
  'file-layout',
  'identity-binding',
  'keyvault-rest',
  'nmi',
  'object-outputs',
  'provider-grpc',
  'spc-parameters',
  'toolchain',
  'user-pain-points',
] as const;

/** Top-level directories a repository-relative path starts with (`docs/x.md`, `packages/spc/README.md`). */
const ROOT_DIRECTORIES = ['apps', 'deploy', 'docs', 'e2e', 'examples', 'packages', 'tools'];

const TEXT_FILE = /\.(?:ts|mts|cts|mjs|cjs|js|md|go|proto|ya?ml|json|tpl|sh|txt)$|(?:^|\/)Dockerfile$/;
const SKIPPED_FILES = new Set(['package-lock.json']);
const SKIPPED_DIRECTORIES = new Set(['node_modules', 'dist', '.git', '.nx', 'reports', 'coverage', 'tmp']);

/** One citation that does not resolve inside the repository. */
export interface BrokenCitation {
  /** Repository-relative path of the citing file. */
  readonly file: string;
  /** 1-based line of the citation. */
  readonly line: number;
  /** The citation as written. */
  readonly citation: string;
  readonly problem: string;
}

/** Files to check: tracked and untracked-but-not-ignored ones (git), else a walk of the tree. */
export function repositoryFiles(root: string): string[] {
  let listed: string[];
  try {
    listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
      cwd: root,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    })
      .split('\0')
      .filter(Boolean);
  } catch {
    listed = walk(root, '');
  }
  return [...new Set(listed)]
    .filter((file) => TEXT_FILE.test(file) && !SKIPPED_FILES.has(path.basename(file)))
    .filter((file) => !file.split('/').some((part) => SKIPPED_DIRECTORIES.has(part)))
    .filter((file) => existsSync(path.join(root, file)))
    .sort();
}

function walk(root: string, dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    if (SKIPPED_DIRECTORIES.has(entry.name)) continue;
    const relative = dir === '' ? entry.name : `${dir}/${entry.name}`;
    if (entry.isDirectory()) out.push(...walk(root, relative));
    else if (entry.isFile()) out.push(relative);
  }
  return out;
}

/** Section numbers of a Markdown document: `## 3. Path rules` → `3`, `### 3.1 Chain order` → `3.1`. */
export function sectionNumbers(markdown: string): Set<string> {
  const numbers = new Set<string>();
  for (const match of withoutFencedCode(markdown).matchAll(/^#{2,6}\s+(\d+(?:\.\d+)*)\.?(?=\s)/gm)) {
    numbers.add(match[1] as string);
  }
  return numbers;
}

/** GitHub's heading anchors: lower case, punctuation dropped, each space a hyphen, repeats numbered. */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const match of withoutFencedCode(markdown).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = (match[1] as string)
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(base) ?? 0;
    anchors.add(count === 0 ? base : `${base}-${count}`);
    seen.set(base, count + 1);
  }
  return anchors;
}

function withoutFencedCode(markdown: string): string {
  // Keep line numbers: blank out fenced blocks instead of removing them.
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, (block) => block.replace(/[^\n]/g, ' '));
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** Reads repository files once each; `undefined` when the path is not a file. */
class RepositoryReader {
  readonly #root: string;
  readonly #cache = new Map<string, string | undefined>();

  constructor(root: string) {
    this.#root = root;
  }

  /** A repository-relative path is inside the root and exists (file or directory). */
  exists(relative: string): boolean {
    if (relative.startsWith('..') || path.isAbsolute(relative)) return false;
    return existsSync(path.join(this.#root, relative));
  }

  text(relative: string): string | undefined {
    if (!this.#cache.has(relative)) {
      const full = path.join(this.#root, relative);
      this.#cache.set(
        relative,
        this.exists(relative) && statSync(full).isFile() ? readFileSync(full, 'utf8') : undefined,
      );
    }
    return this.#cache.get(relative);
  }
}

const DOCUMENT_NAMES = CITED_DOCUMENTS.join('|');

/**
 * `<name>.md §2`, `docs/<name>.md §3.1`, `` `<name>.md` §2 ``, `[..](../../docs/<name>.md) §2`,
 * `<name> §7`, with lists and ranges after the first section (`§1, §5`, `§1–6`, `§1–§7`), across a
 * comment line break (`<name>.md\n * §1`).
 */
const SECTION_CITATION = new RegExp(
  String.raw`(?<![\w-])(${DOCUMENT_NAMES})(?:\.md)?[\s\`)\](*/]{0,12}§\s*(\d+(?:\.\d+)*)((?:\s*(?:,|–|-|and|or)\s*§?\s*\d+(?:\.\d+)*)*)`,
  'g',
);

/** A `*.md` path written in text or code. */
const MARKDOWN_PATH = /(?<![\w./~-])((?:\.{1,2}\/)*(?:[\w.@-]+\/)*[\w.-]+\.md)(?![\w/-])/g;

/** `[text](target)` outside fenced code. */
const MARKDOWN_LINK = /\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g;

/** Every citation in `files` (repository-relative) that does not resolve inside `root`. */
export function findBrokenCitations(root: string, files: readonly string[]): BrokenCitation[] {
  const reader = new RepositoryReader(root);
  const broken: BrokenCitation[] = [];
  for (const file of files) {
    const raw = reader.text(file);
    if (raw === undefined) continue;
    // Source files may spell § as an escape (`'\u00a7'`).
    const text = raw.replace(/\\u00a7/gi, '§');
    const report = (offset: number, citation: string, problem: string): void => {
      broken.push({ file, line: lineAt(text, offset), citation, problem });
    };
    if (/\/work\/shared\/|(?:^|[^\w-])shared\/(?:spec|seed)\//m.test(text)) {
      const offset = text.search(/\/work\/shared\/|shared\/(?:spec|seed)\//);
      report(
        offset,
        text.slice(offset, offset + 60).split('\n')[0] as string,
        'cites a file outside the repository',
      );
    }
    checkSections(text, file, reader, report);
    checkPaths(text, file, reader, report);
    if (file.endsWith('.md')) checkLinks(text, file, reader, report);
  }
  return broken;
}

type Report = (offset: number, citation: string, problem: string) => void;

function checkSections(text: string, file: string, reader: RepositoryReader, report: Report): void {
  for (const match of text.matchAll(SECTION_CITATION)) {
    const name = match[1] as string;
    const doc = `docs/${name}.md`;
    const markdown = reader.text(doc);
    const citation = match[0].replace(/\s+/g, ' ');
    if (markdown === undefined) {
      report(match.index, citation, `${doc} does not exist`);
      continue;
    }
    const sections = sectionNumbers(markdown);
    const cited = [match[2] as string, ...((match[3] ?? '').match(/\d+(?:\.\d+)*/g) ?? [])];
    for (const section of cited) {
      if (!sections.has(section)) report(match.index, citation, `${doc} has no section ${section}`);
    }
  }
  // In a cited document itself, a bare `§N` (no document name before it) is one of its own sections.
  const self = /^docs\/([\w-]+)\.md$/.exec(file)?.[1];
  if (self === undefined || !(CITED_DOCUMENTS as readonly string[]).includes(self)) return;
  const sections = sectionNumbers(text);
  const masked = text.replace(SECTION_CITATION, (m) => ' '.repeat(m.length));
  for (const match of withoutFencedCode(masked).matchAll(/§\s*(\d+(?:\.\d+)*)/g)) {
    if (!sections.has(match[1] as string)) {
      report(match.index, match[0], `docs/${self}.md has no section ${match[1]}`);
    }
  }
}

function checkPaths(text: string, file: string, reader: RepositoryReader, report: Report): void {
  for (const match of text.matchAll(MARKDOWN_PATH)) {
    const written = match[1] as string;
    let target: string | undefined;
    if (written.startsWith('./') || written.startsWith('../')) {
      target = path.posix.normalize(path.posix.join(path.posix.dirname(file), written));
    } else if (ROOT_DIRECTORIES.includes(written.split('/')[0] as string) && written.includes('/')) {
      target = written;
    } else if (!written.includes('/')) {
      const name = written.slice(0, -'.md'.length);
      if ((CITED_DOCUMENTS as readonly string[]).includes(name)) target = `docs/${written}`;
    }
    if (target !== undefined && !reader.exists(target)) {
      report(match.index, written, `${target} does not exist in the repository`);
    }
  }
}

function checkLinks(text: string, file: string, reader: RepositoryReader, report: Report): void {
  for (const match of withoutFencedCode(text).matchAll(MARKDOWN_LINK)) {
    const href = match[1] as string;
    if (/^[a-z][a-z0-9+.-]*:/i.test(href)) continue; // http:, https:, mailto:
    const [linkPath = '', anchor] = href.split('#', 2);
    const target =
      linkPath === '' ? file : path.posix.normalize(path.posix.join(path.posix.dirname(file), linkPath));
    if (!reader.exists(target)) {
      report(match.index, href, `link target ${target} does not exist in the repository`);
      continue;
    }
    if (anchor === undefined || anchor === '' || !target.endsWith('.md')) continue;
    const markdown = reader.text(target);
    if (markdown !== undefined && !headingAnchors(markdown).has(decodeURIComponent(anchor).toLowerCase())) {
      report(match.index, href, `${target} has no heading for #${anchor}`);
    }
  }
}
