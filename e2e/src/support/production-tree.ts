import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../../..');
const dockerfile = path.join(root, 'deploy/Dockerfile');

interface Instruction {
  readonly keyword: string;
  readonly rest: string;
}

/** deploy/Dockerfile as instructions (line continuations joined, comments dropped). */
function instructions(): Instruction[] {
  const joined = readFileSync(dockerfile, 'utf8')
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [keyword = '', ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), rest: rest.join(' ') };
    });
}

/** The instructions of stage `name` (`FROM … AS <name>` up to the next FROM). */
function stage(name: string): Instruction[] {
  const all = instructions();
  const start = all.findIndex(
    (i) => i.keyword === 'FROM' && new RegExp(`\\sAS\\s+${name}$`, 'i').test(i.rest),
  );
  if (start === -1) throw new Error(`deploy/Dockerfile has no stage named ${name}`);
  const end = all.findIndex((i, n) => n > start && i.keyword === 'FROM');
  return all.slice(start + 1, end === -1 ? undefined : end);
}

/** The runtime stage (the last one): its ENTRYPOINT and ENV, as the container starts the daemon. */
export function imageRuntime(): { entrypoint: string[]; env: Record<string, string>; workdir: string } {
  const all = instructions();
  const last = all.findLastIndex((i) => i.keyword === 'FROM');
  const runtime = all.slice(last + 1);
  const entrypoint = runtime.find((i) => i.keyword === 'ENTRYPOINT');
  if (!entrypoint) throw new Error('deploy/Dockerfile: the runtime stage has no ENTRYPOINT');
  const env: Record<string, string> = {};
  for (const i of runtime.filter((x) => x.keyword === 'ENV')) {
    const [key, value] = i.rest.split('=', 2);
    env[key!] = value!;
  }
  const workdir = runtime.findLast((i) => i.keyword === 'WORKDIR')?.rest ?? '/';
  return { entrypoint: JSON.parse(entrypoint.rest) as string[], env, workdir };
}

/** The Node image every stage starts from (the `NODE_IMAGE` build argument's default). */
export function imageNodeImage(): string {
  const arg = instructions().find((i) => i.keyword === 'ARG' && i.rest.startsWith('NODE_IMAGE='));
  if (!arg) throw new Error('deploy/Dockerfile declares no ARG NODE_IMAGE=<image>');
  return arg.rest.slice('NODE_IMAGE='.length);
}

/**
 * Builds the image's /app tree in `out` the way deploy/Dockerfile's `prune` stage does, from this
 * checkout standing in for the build stage's /src (which must be built: `npm run build`): each
 * `COPY --from=build /src/<x> <y>` copies <x> (never node_modules, as .dockerignore keeps them out
 * of the build context), then each `RUN` runs in `out` with /bin/sh. Any other instruction in that
 * stage is an error, so a change to the Dockerfile cannot silently diverge from this test.
 */
export function buildProductionTree(out: string, env: NodeJS.ProcessEnv = process.env): void {
  mkdirSync(out, { recursive: true });
  for (const { keyword, rest } of stage('prune')) {
    if (keyword === 'WORKDIR') continue;
    if (keyword === 'COPY') {
      const match = /^--from=build\s+(.+)\s+(\S+)$/.exec(rest);
      if (!match) throw new Error(`deploy/Dockerfile prune stage: unsupported COPY ${rest}`);
      const sources = match[1]!.split(/\s+/);
      const destination = path.resolve(out, match[2]!);
      for (const source of sources) {
        if (!source.startsWith('/src/')) throw new Error(`COPY from outside /src: ${source}`);
        const from = path.join(root, source.slice('/src/'.length));
        const target =
          sources.length > 1 || match[2]!.endsWith('/')
            ? path.join(destination, path.basename(from))
            : destination;
        cpSync(from, target, {
          recursive: true,
          filter: (file) => path.basename(file) !== 'node_modules',
        });
      }
      continue;
    }
    if (keyword === 'RUN') {
      execFileSync('/bin/sh', ['-c', rest], {
        cwd: out,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 600_000,
      });
      continue;
    }
    throw new Error(`deploy/Dockerfile prune stage: ${keyword} is not reproduced by this test`);
  }
}

/** Files that make a package a native addon (compiled per CPU architecture), with their paths. */
export function nativeAddons(nodeModules: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isSymbolicLink()) continue; // workspace links: our own packages, checked as sources
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.node') || entry.name === 'binding.gyp') found.push(full);
      else if (entry.name === 'package.json') {
        const manifest = JSON.parse(readFileSync(full, 'utf8')) as {
          gypfile?: boolean;
          dependencies?: Record<string, string>;
        };
        const loaders = [
          'node-gyp-build',
          'prebuild-install',
          'node-pre-gyp',
          '@mapbox/node-pre-gyp',
          'bindings',
        ];
        if (manifest.gypfile || loaders.some((l) => manifest.dependencies?.[l])) found.push(full);
      }
    }
  };
  if (existsSync(nodeModules) && statSync(nodeModules).isDirectory()) walk(nodeModules);
  return found;
}
