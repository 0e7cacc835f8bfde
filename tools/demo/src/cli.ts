#!/usr/bin/env node
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runDemo } from './demo.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
runDemo({ root }).catch((error: unknown) => {
  process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
