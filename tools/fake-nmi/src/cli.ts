#!/usr/bin/env node
import { runCli } from './cli-main.js';

runCli(process.argv.slice(2), { out: process.stdout, err: process.stderr, signals: process }).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`fake-nmi: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
