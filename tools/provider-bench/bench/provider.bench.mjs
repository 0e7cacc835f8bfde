// The provider daemon under load (issue 7 §1): runs the built bench (tools/provider-bench/dist), which
// drives the built daemon over its unix socket with the fake NMI and the Key Vault emulator as
// separate processes, prints the table and writes docs/bench/provider.md and docs/benchmarks.json.
// Run after `npm run build` (tools/bench/run-all.mjs does); takes about 3–4 minutes on 2 cores.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const cli = path.join(here, '..', 'dist', 'bench-cli.js');
if (!existsSync(cli)) {
  process.stderr.write(`${cli} does not exist: run \`npm run build\` first\n`);
  process.exit(1);
}
execFileSync(process.execPath, [cli, ...process.argv.slice(2)], { stdio: 'inherit' });
