#!/usr/bin/env node
// Runs every `*/bench/*.bench.mjs` script (each prints one Markdown section and saves it under
// docs/bench/) and writes docs/benchmarks.md from those sections, with the machine and the date.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const only = process.argv.slice(2);
const scripts = [];
for (const group of ['packages', 'apps', 'tools']) {
  for (const name of fs.readdirSync(path.join(root, group)).sort()) {
    const dir = path.join(root, group, name, 'bench');
    if (!fs.existsSync(dir)) continue;
    for (const file of fs.readdirSync(dir).sort()) {
      if (
        file.endsWith('.bench.mjs') &&
        (only.length === 0 || only.some((o) => file.includes(o) || name === o))
      ) {
        scripts.push(path.join(dir, file));
      }
    }
  }
}
let failed = 0;
for (const script of scripts) {
  process.stdout.write(`\n▶ ${path.relative(root, script)}\n`);
  try {
    execFileSync(process.execPath, [script], { cwd: root, stdio: 'inherit', timeout: 20 * 60_000 });
  } catch (error) {
    failed++;
    process.stdout.write(`✖ ${path.relative(root, script)} failed: ${error.message}\n`);
  }
}
const sectionsDir = path.join(root, 'docs/bench');
const sections = fs.existsSync(sectionsDir)
  ? fs
      .readdirSync(sectionsDir)
      .filter((f) => f.endsWith('.md'))
      .sort()
      .map((f) => fs.readFileSync(path.join(sectionsDir, f), 'utf8').trim())
  : [];
const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
const header = `# Benchmarks

Written by \`npm run bench\` (tools/bench/run-all.mjs) from the sections each benchmark script saves in
\`docs/bench/\`. Each section names its own machine, Node version and date; this page was assembled on
${new Date().toISOString().slice(0, 10)} on ${cpu} × ${os.cpus().length}, Node ${process.version}.
Targets come from the issues; "met" is judged against the figure measured on that machine.
`;
fs.writeFileSync(path.join(root, 'docs/benchmarks.md'), `${header}\n${sections.join('\n\n')}\n`);
process.stdout.write(
  `\nwrote docs/benchmarks.md (${sections.length} sections)${failed ? `, ${failed} script(s) failed` : ''}\n`,
);
process.exitCode = failed ? 1 : 0;
