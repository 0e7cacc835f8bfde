import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Builds dist (incremental, fast when up to date) for the child processes of the process tests. */
export default function setup(): void {
  const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
  execFileSync('npx', ['tsc', '--build', 'packages/file-writer/tsconfig.lib.json'], {
    cwd: repoRoot,
    stdio: 'inherit',
  });
}
