import { spawn, spawnSync } from 'node:child_process';

/** The oldest Go the real-driver module builds with (its go.mod says `go 1.26.0`). */
const MINIMUM_GO_MINOR = 26;

export type GoToolchain =
  | { readonly ok: true; readonly version: string }
  | { readonly ok: false; readonly reason: string };

/** Whether a usable `go` is on the PATH (never downloads a toolchain: GOTOOLCHAIN=local). */
export function findGo(): GoToolchain {
  const probe = spawnSync('go', ['env', 'GOVERSION'], {
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, GOTOOLCHAIN: 'local' },
  });
  if (probe.error !== undefined || probe.status !== 0) return { ok: false, reason: 'go is not on the PATH' };
  const version = probe.stdout.trim();
  const minor = /^go1\.(\d+)/.exec(version)?.[1];
  if (minor === undefined || Number(minor) < MINIMUM_GO_MINOR)
    return { ok: false, reason: `${version || 'go'} is older than go1.${MINIMUM_GO_MINOR}` };
  return { ok: true, version };
}

/** The outcome of one top-level Go test, from `go test -json`. */
export interface GoTestResult {
  readonly action: 'pass' | 'fail' | 'skip';
  readonly elapsedSeconds: number;
  /** Everything the test printed (its t.Log/t.Error lines and its subtests'). */
  readonly output: string;
}

export interface GoTestRun {
  readonly exitCode: number | null;
  readonly results: ReadonlyMap<string, GoTestResult>;
  /** Output not attributed to a test: build errors, package summary. */
  readonly packageOutput: string;
  readonly wallSeconds: number;
}

interface TestEvent {
  readonly Action: string;
  readonly Test?: string;
  readonly Output?: string;
  readonly Elapsed?: number;
}

/** Output kept per test and for the package; a runaway test cannot fill the memory. */
const MAX_OUTPUT_CHARS = 256 * 1024;

/**
 * Runs `go test -json -count=1` in `dir` and collects each top-level test's result. Module downloads
 * and builds are cached by Go (GOMODCACHE, GOCACHE); the first run on a machine compiles the
 * driver's dependency tree.
 */
export function runGoTests(
  dir: string,
  options: { readonly env: NodeJS.ProcessEnv; readonly timeoutMs: number },
): Promise<GoTestRun> {
  const started = performance.now();
  const goTimeout = `${Math.max(1, Math.floor(options.timeoutMs / 1000) - 10)}s`;
  const child = spawn('go', ['test', '-json', '-count=1', `-timeout=${goTimeout}`, '.'], {
    cwd: dir,
    // Never fetch a toolchain, never edit go.mod/go.sum (a stale go.sum fails instead).
    env: {
      ...options.env,
      GOTOOLCHAIN: 'local',
      GOFLAGS: `${options.env['GOFLAGS'] ?? ''} -mod=readonly`.trim(),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const outputs = new Map<string, string>();
  const results = new Map<string, GoTestResult>();
  let packageOutput = '';
  const append = (current: string, text: string) =>
    current.length >= MAX_OUTPUT_CHARS ? current : (current + text).slice(0, MAX_OUTPUT_CHARS);
  const onEvent = (event: TestEvent) => {
    const top = event.Test?.split('/')[0];
    if (event.Action === 'output' && event.Output !== undefined) {
      if (top === undefined) packageOutput = append(packageOutput, event.Output);
      else outputs.set(top, append(outputs.get(top) ?? '', event.Output));
    } else if (
      top !== undefined &&
      top === event.Test &&
      (event.Action === 'pass' || event.Action === 'fail' || event.Action === 'skip')
    ) {
      results.set(top, {
        action: event.Action,
        elapsedSeconds: event.Elapsed ?? 0,
        output: outputs.get(top) ?? '',
      });
    }
  };
  let pending = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    let newline = pending.indexOf('\n');
    while (newline !== -1) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      newline = pending.indexOf('\n');
      if (line.startsWith('{')) onEvent(JSON.parse(line) as TestEvent);
      else packageOutput = append(packageOutput, `${line}\n`);
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    packageOutput = append(packageOutput, chunk);
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
  return new Promise((resolve, reject) => {
    child.on('error', (error) => {
      clearTimeout(killer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(killer);
      resolve({
        exitCode: code,
        results,
        packageOutput,
        wallSeconds: (performance.now() - started) / 1000,
      });
    });
  });
}
