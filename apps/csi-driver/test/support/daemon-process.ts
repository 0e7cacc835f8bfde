import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

export const MAIN_JS = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

/** Fails the calling test with the build output when the global setup could not build the app. */
export function requireBuild(): void {
  const buildError = process.env['CSI_DRIVER_BUILD_ERROR'];
  if (buildError) throw new Error(`apps/csi-driver did not build:\n${buildError}`);
}

/** The built binary as a child process, its stderr (JSON logs) collected line by line. */
export class DaemonProcess {
  readonly child: ChildProcess;
  readonly stderrLines: string[] = [];
  stdout = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;

  /** `stdin`: text written to the process's stdin, which is then closed (default: no stdin). */
  constructor(args: readonly string[], env: NodeJS.ProcessEnv = {}, stdin?: string, cwd?: string) {
    requireBuild();
    this.child = spawn(process.execPath, [MAIN_JS, ...args], {
      stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
      ...(cwd === undefined ? {} : { cwd }),
    });
    if (stdin !== undefined) this.child.stdin!.end(stdin);
    let partial = '';
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      partial += chunk;
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      this.stderrLines.push(...lines);
    });
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stdout += chunk;
    });
    this.exited = once(this.child, 'exit').then(([code, signal]) => ({
      code: code as number | null,
      signal: signal as NodeJS.Signals | null,
      at: performance.now(),
    }));
  }

  get stderr(): string {
    return this.stderrLines.join('\n');
  }

  /**
   * Resolves with the first log record whose `msg` matches (JSON lines, or text lines as `{ msg, line }`);
   * rejects if the process exits first.
   */
  async waitForLog(msg: string, timeoutMs = 15_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    void this.exited.then(() => {
      exited = true;
    });
    while (Date.now() < deadline) {
      for (const line of this.stderrLines) {
        if (line.startsWith('{')) {
          const record = JSON.parse(line) as Record<string, unknown>;
          if (record['msg'] === msg) return record;
        } else if (new RegExp(`^\\S+ [A-Z]+ +${msg}( |$)`).test(line)) {
          return { msg, line };
        }
      }
      if (exited) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`no "${msg}" log line (exited: ${exited}); stderr:\n${this.stderr}`);
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }
}

/** Runs the binary to completion (for subcommands and flag errors). */
export async function runBinary(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
  stdin?: string,
  cwd?: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const daemon = new DaemonProcess(args, env, stdin, cwd);
  const { code } = await daemon.exited;
  return { code, stdout: daemon.stdout, stderr: daemon.stderr };
}
