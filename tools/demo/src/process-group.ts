import { type ChildProcess, spawn } from 'node:child_process';

/**
 * Signals every process of a process group (a child spawned with `detached: true` leads its own).
 * Returns false when the group no longer exists.
 */
export function signalProcessGroup(groupId: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-groupId, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * A watchdog that ends a process group when this process dies, however it dies (SIGKILL included,
 * which no handler sees): a tiny shell blocked reading a pipe from us. Our end closes when we exit,
 * the read returns, and it sends SIGTERM to the group, then SIGKILL if the group is still there
 * after `graceSeconds`. Stop it
 * with {@link GroupWatchdog.dismiss} once the group has ended normally.
 */
export class GroupWatchdog {
  readonly #child: ChildProcess;

  constructor(groupId: number, graceSeconds = 5) {
    const group = `-- -${groupId}`;
    const polls = Math.max(1, Math.round(graceSeconds * 10));
    const script =
      `read _ignored; kill -s TERM ${group} 2>/dev/null || exit 0; i=0; ` +
      `while [ $i -lt ${polls} ] && kill -s 0 ${group} 2>/dev/null; do sleep 0.1; i=$((i+1)); done; ` +
      `kill -s KILL ${group} 2>/dev/null; exit 0`;
    this.#child = spawn('/bin/sh', ['-c', script], {
      stdio: ['pipe', 'ignore', 'ignore'],
      detached: true,
    });
    // Neither the watchdog nor its pipe keeps our event loop alive.
    this.#child.on('error', () => {});
    this.#child.stdin!.on('error', () => {});
    this.#child.unref();
    (this.#child.stdin as unknown as { unref?: () => void }).unref?.();
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** The group ended normally: the watchdog leaves without signalling anything. */
  dismiss(): void {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGKILL');
  }
}
