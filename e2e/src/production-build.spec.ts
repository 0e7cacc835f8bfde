import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * Production builds contain products only. nx.json disables Nx's TypeScript sync
 * (`sync.disabledTaskSyncGenerators`), which would write every graph edge — test doubles from
 * devDependencies and spec imports included — into tsconfig.lib.json. The references are kept by
 * hand instead, and this file is the check the sync used to be:
 *   tsconfig.lib.json  ↔ the workspace packages in `dependencies`,
 *   tsconfig.spec.json ↔ its own lib config plus the workspace packages in `devDependencies`,
 * and no product build (packages/*, apps/*, the Dockerfile's `tsc --build`) reaches tools/.
 */
const root = path.resolve(import.meta.dirname, '../..');
const rel = (file: string) => path.relative(root, file);

interface Workspace {
  readonly dir: string;
  readonly manifest: {
    name: string;
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
  };
}

const workspaces: Workspace[] = ['packages', 'apps', 'tools']
  .flatMap((group) => readdirSync(path.join(root, group)).map((name) => path.join(root, group, name)))
  .filter((dir) => existsSync(path.join(dir, 'tsconfig.lib.json')))
  .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) }));
const byName = new Map(workspaces.map((w) => [w.manifest.name, w]));
const products = workspaces.filter((w) => !rel(w.dir).startsWith('tools/'));

/** Project references of a tsconfig as TypeScript reads them (extends, comments), as absolute paths. */
function references(config: string): string[] {
  const read = ts.readConfigFile(config, ts.sys.readFile);
  if (read.error) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, '\n'));
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, path.dirname(config), undefined, config);
  return (parsed.projectReferences ?? []).map((ref) =>
    ref.path.endsWith('.json') ? ref.path : path.join(ref.path, 'tsconfig.json'),
  );
}

/** Every tsconfig `tsc --build <config>` compiles: the config and its references, transitively. */
function buildClosure(config: string, seen = new Set<string>()): Set<string> {
  if (seen.has(config)) return seen;
  seen.add(config);
  for (const ref of references(config)) buildClosure(ref, seen);
  return seen;
}

function workspaceLibConfigs(deps: Record<string, string> | undefined): string[] {
  return Object.keys(deps ?? {})
    .map((name) => byName.get(name))
    .filter((w): w is Workspace => w !== undefined)
    .map((w) => path.join(w.dir, 'tsconfig.lib.json'))
    .sort();
}

/** The configs the Dockerfile builds: every `tsc --build <config>…` in a RUN line. */
function dockerfileBuildConfigs(dockerfile: string): string[] {
  const configs: string[] = [];
  for (const match of dockerfile.matchAll(/^RUN .*?\btsc\s+(?:--build|-b)\s+([^&|;\n]+)/gm)) {
    for (const word of match[1]!.trim().split(/\s+/)) {
      if (!word.startsWith('-')) configs.push(path.join(root, word));
    }
  }
  return configs;
}

describe('production builds contain products only', () => {
  it.each(workspaces.map((w) => [rel(w.dir), w] as const))(
    '%s: tsconfig.lib.json references exactly its workspace dependencies',
    (_name, workspace) => {
      expect(references(path.join(workspace.dir, 'tsconfig.lib.json')).sort()).toEqual(
        workspaceLibConfigs(workspace.manifest.dependencies),
      );
    },
  );

  it.each(workspaces.map((w) => [rel(w.dir), w] as const))(
    '%s: tsconfig.spec.json references its lib and its workspace devDependencies',
    (_name, workspace) => {
      const spec = path.join(workspace.dir, 'tsconfig.spec.json');
      expect(references(spec).sort()).toEqual(
        [
          path.join(workspace.dir, 'tsconfig.lib.json'),
          ...workspaceLibConfigs(workspace.manifest.devDependencies),
        ].sort(),
      );
    },
  );

  it.each(products.map((w) => [rel(w.dir), w] as const))(
    '%s: its production build compiles nothing under tools/',
    (_name, workspace) => {
      const closure = [...buildClosure(path.join(workspace.dir, 'tsconfig.lib.json'))].map(rel);
      expect(closure.filter((config) => config.startsWith('tools/'))).toEqual([]);
      expect(closure.every((config) => config.endsWith('tsconfig.lib.json'))).toBe(true);
    },
  );

  it('the Dockerfile builds the daemon without compiling any test double', () => {
    const configs = dockerfileBuildConfigs(readFileSync(path.join(root, 'deploy/Dockerfile'), 'utf8'));
    expect(configs.map(rel)).toContain('apps/csi-driver/tsconfig.lib.json');
    const closure = new Set<string>();
    for (const config of configs) buildClosure(config, closure);
    expect([...closure].map(rel).filter((config) => !/^(packages|apps)\//.test(config))).toEqual([]);
  });

  it('Nx never writes graph edges back into the lib configs', () => {
    const nx = JSON.parse(readFileSync(path.join(root, 'nx.json'), 'utf8'));
    expect(nx.sync?.disabledTaskSyncGenerators).toContain('@nx/js:typescript-sync');
  });
});
