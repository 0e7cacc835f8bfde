#!/usr/bin/env node
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type RunningDemo, shown, startDemo } from './demo.js';

const USAGE = `Usage: npm run demo [-- --keep] [--dir <path>]

Mounts examples/pod-identity through the provider daemon, with a fake NMI and the Key Vault
emulator standing in for Azure, then rotates secret1 once.

  --keep        leave the daemon and the doubles running (prints curl and csi-driver mount lines)
  --dir <path>  where the demo keeps its files (default .demo): mnt/, work/, daemon.log
`;

/** How long a stop may take before we exit anyway (the watchdog ends whatever is left). */
const STOP_BUDGET_MS = 20_000;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const keep = args.includes('--keep');
const dirIndex = args.indexOf('--dir');
const dir = dirIndex >= 0 ? args[dirIndex + 1] : undefined;
const unknown = args.filter((arg, i) => arg !== '--keep' && arg !== '--dir' && i !== dirIndex + 1);
if (unknown.length > 0 || (dirIndex >= 0 && dir === undefined)) {
  process.stderr.write(`demo: unexpected argument ${unknown[0] ?? '--dir'}\n${USAGE}`);
  process.exit(2);
}

let demo: RunningDemo | undefined;
let starting: Promise<void> = Promise.resolve();
let stdoutOpen = true;
let stopping = false;

const print = (line: string): void => {
  if (stdoutOpen) process.stdout.write(`${line}\n`);
};

/** Stops the stack (once), then exits: the one way out of the demo. */
function shutdown(code: number): void {
  if (stopping) return;
  stopping = true;
  const forced = setTimeout(() => process.exit(code), STOP_BUDGET_MS);
  forced.unref();
  // A stop during start-up lets the start finish first (quietly, if stdout is gone), so the
  // daemon is stopped by us, gracefully, before we exit.
  void starting
    .then(() => demo?.stop())
    .catch((error: unknown) => {
      process.stderr.write(
        `demo: stopping failed: ${error instanceof Error ? error.message : String(error)}\n`,
      );
    })
    .finally(() => process.exit(code));
}

// The reader of our output went away (`npm run demo | head -1`): stop quietly.
process.stdout.on('error', () => {
  stdoutOpen = false;
  shutdown(0);
});
for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
  ['SIGHUP', 129],
] as const) {
  // With --keep, a signal is the documented way to stop: that is success.
  process.on(signal, () => shutdown(keep ? 0 : code));
}
// process.exit() from anywhere, or an uncaught exception: no handler can wait, so SIGKILL the
// daemon's process group. (A SIGKILL of the demo itself is covered by the daemon's watchdog.)
process.on('exit', () => demo?.stack.daemon.killNow());

starting = startDemo({
  root,
  ...(dir === undefined ? {} : { dir: path.resolve(dir) }),
  print,
}).then(
  (running) => {
    demo = running;
  },
  (error: unknown) => {
    // startDemo has stopped what it started.
    if (!stopping) {
      process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
      shutdown(1);
    }
  },
);
await starting;
if (demo && !stopping) {
  if (keep) printKeepInstructions(demo);
  else shutdown(0);
}

function printKeepInstructions(running: RunningDemo): void {
  const { stack } = running;
  const main = path.join(root, 'apps/csi-driver/dist/main.js');
  print('');
  print('The stack keeps running. Try:');
  print(`  curl -s ${stack.healthzUrl}`);
  print(`  curl -s ${stack.metricsUrl} | grep -E '^(keyvault|grpc|nmi)_request'`);
  print(`  tail -f ${shown(running.daemonLog)}`);
  print('  # one-shot mount against the same fake NMI and Key Vault emulator:');
  print(
    `  HTTPS_PROXY=${stack.keyVault.proxyUrl} NO_PROXY=127.0.0.1,localhost NODE_EXTRA_CA_CERTS=${shown(stack.keyVault.caCertPath)} ` +
      `node ${shown(main)} mount --spc ${shown(running.spcFile)} --pod-name ${running.pod.name} --pod-namespace ${running.pod.namespace} ` +
      `--nmi-endpoint ${stack.nmi.url} --target-path ${shown(path.join(running.dir, 'mnt-cli'))}`,
  );
  print(`Stop: Ctrl-C, or kill ${process.pid} (the daemon and the doubles stop with it).`);
}
