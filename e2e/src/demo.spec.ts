import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// `npm run demo` as a new user runs it: the built demo (tools/demo/dist/cli.js) as a process, its
// output piped, interrupted and killed. What must hold: nothing it started outlives it.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DEMO = path.join(ROOT, 'tools/demo/dist/cli.js');
const base = mkdtempSync(path.join(os.tmpdir(), 'e2e-demo-'));

afterAll(() => rmSync(base, { recursive: true, force: true }));

/** Processes whose command line contains `text` (ps works on Linux and macOS). */
function processesMentioning(text: string): string[] {
  const lines = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' }).split('\n');
  return lines.filter((line) => line.includes(text) && !line.includes('ps -eo'));
}

/** Waits (bounded) until no process mentions `text`; returns what is left. */
async function leftovers(text: string, timeoutMs = 10_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let left = processesMentioning(text);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    left = processesMentioning(text);
  }
  return left;
}

function startDemo(dir: string, args: string[] = []): { child: ChildProcess; output: () => string } {
  expect(existsSync(DEMO), `${DEMO} missing: run npm run build`).toBe(true);
  const child = spawn(process.execPath, [DEMO, '--dir', dir, ...args], {
    cwd: base,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  return { child, output: () => output };
}

async function waitForOutput(output: () => string, pattern: RegExp, timeoutMs = 45_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(output())) {
    if (Date.now() > deadline) throw new Error(`no ${pattern} in the demo output:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return output();
}

const watchdogs = () => processesMentioning('read _ignored');

describe('npm run demo', () => {
  it('shows the mount, the ..data layout, one rotation and the requests, and keeps the daemon log', async () => {
    const dir = path.join(base, 'full');
    const { child, output } = startDemo(dir);
    const [code] = await once(child, 'exit');
    const text = output();
    expect(code, text).toBe(0);
    expect(text).toContain('── secret1 (43 bytes)\nHello from Azure Key Vault: this is secret1\n');
    // The target as `ls -la` shows it, then the two lines explaining it.
    expect(text).toMatch(/\$ ls -la \S+mnt\n(?: {2}.*\n)*? {2}l\S+ .* secret1 -> \.\.data\/secret1\n/);
    expect(text).toMatch(/ {2}l\S+ .* \.\.data -> \.\.\d{4}_\d\d_\d\d_\d\d_\d\d_\d\d\.\d{9}\n/);
    expect(text).toContain('  Each file is a symlink through ..data');
    expect(text).toContain('never a mix.\n');
    // One rotation: a new version for secret1, key1 unchanged, ..data swapped.
    expect(text).toMatch(/ {2}secret\/secret1 = [0-9a-f]{32} \(was [0-9a-f]{32}\)\n/);
    expect(text).toMatch(/ {2}key\/key1 = [0-9a-f]{32} \(unchanged\)\n/);
    expect(text).toMatch(
      / {2}\.\.data -> (\.\.\S+) \(was (?!\1)\.\.\S+, now removed\): every file swapped by one rename\n/,
    );
    expect(text).toContain('  secret1: Hello again: secret1, rotated\n');
    // Challenges are counted apart from the GETs, and add up.
    const requests = /Key Vault requests: (\d+) = (\d+) challenges \(.*\) \+ (\d+) authorized GETs\n/.exec(
      text,
    );
    expect(requests, text).not.toBeNull();
    expect(Number(requests![2]) + Number(requests![3])).toBe(Number(requests![1]));
    expect(Number(requests![2])).toBeGreaterThan(0);
    // The daemon's log is kept.
    const log = readFileSync(path.join(dir, 'daemon.log'), 'utf8');
    expect(log).toContain('"msg":"Listening for connections"');
    expect(log).toContain('"msg":"stopped"');
    expect(text).toMatch(/daemon stopped \(exit code 0\); its log: \S*daemon\.log\n/);
    expect(await leftovers(dir)).toEqual([]);
  });

  it('piped into head -1: prints one line, exits, and leaves no process behind', async () => {
    const dir = path.join(base, 'piped');
    const before = watchdogs();
    const shell = spawn('/bin/sh', ['-c', `"${process.execPath}" "${DEMO}" --dir "${dir}" | head -1`], {
      cwd: base,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    shell.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    shell.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const [code] = await once(shell, 'exit');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^SecretProviderClass azure-kvname-podid \(vault kvname\), pod default\/\S+\n$/);
    expect(stderr).not.toMatch(/EPIPE|Error/);
    expect(await leftovers(dir)).toEqual([]);
    expect(watchdogs().filter((line) => !before.includes(line))).toEqual([]);
  });

  it('--keep leaves a stack that curl and csi-driver mount can use, and SIGINT stops all of it', async () => {
    const dir = path.join(base, 'keep');
    const { child, output } = startDemo(dir, ['--keep']);
    try {
      const text = await waitForOutput(output, /\nStop: Ctrl-C, or kill (\d+) /);
      expect(text).toContain(`kill ${child.pid} `);
      const healthz = /curl -s (http:\/\/127\.0\.0\.1:\d+\/healthz)\n/.exec(text)![1]!;
      const metrics = /curl -s (http:\/\/127\.0\.0\.1:\d+\/metrics) \|/.exec(text)![1]!;
      expect((await fetch(healthz)).status).toBe(200);
      expect(await (await fetch(metrics)).text()).toMatch(/^grpc_request_count\{.*Mount.*\} 3$/m);
      const mountLine = /\n {2}(HTTPS_PROXY=.* mount .*)\n/.exec(text)![1]!;
      const mounted = execFileSync('/bin/sh', ['-c', mountLine], { cwd: base, encoding: 'utf8' });
      expect(mounted).toMatch(/^0644 +29 secret1$/m);
      expect(readFileSync(path.join(dir, 'mnt-cli/secret1'), 'utf8')).toBe('Hello again: secret1, rotated');
    } finally {
      child.kill('SIGINT');
    }
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
    expect(output()).toMatch(/daemon stopped \(exit code 0\)/);
    expect(await leftovers(dir)).toEqual([]);
  });

  it('killed with SIGKILL (no handler runs): the watchdog still ends the daemon', async () => {
    const dir = path.join(base, 'killed');
    const { child, output } = startDemo(dir, ['--keep']);
    await waitForOutput(output, /\nStop: Ctrl-C/);
    expect(processesMentioning(dir)).not.toEqual([]);
    child.kill('SIGKILL');
    await once(child, 'exit');
    expect(await leftovers(dir)).toEqual([]);
  });
});
