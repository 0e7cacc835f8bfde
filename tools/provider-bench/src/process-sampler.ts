import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';

/** One reading of a Linux process from /proc (sizes in KiB, CPU in seconds). */
export interface ProcessReading {
  readonly rssKib: number;
  /** Peak RSS since start or the last `resetPeak()` (VmHWM). */
  readonly hwmKib: number;
  /** User + system CPU time. */
  readonly cpuSeconds: number;
  readonly openFds: number;
  readonly sockets: number;
}

let clockTicks: number | undefined;

/** `getconf CLK_TCK` (100 on every mainstream Linux), asked once. */
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** Reads `/proc/<pid>/{status,stat,fd}`; throws when the process is gone. */
export function readProcess(pid: number): ProcessReading {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
  return {
    rssKib: field('VmRSS'),
    hwmKib: field('VmHWM'),
    cpuSeconds: cpuSecondsOf(readFileSync(`/proc/${pid}/stat`, 'utf8')),
    ...descriptors(pid),
  };
}

/** utime + stime (fields 14 and 15) of a `/proc/<pid>/stat` line; the command may contain spaces. */
export function cpuSecondsOf(statLine: string): number {
  const afterCommand = statLine.slice(statLine.lastIndexOf(')') + 2).split(' ');
  // afterCommand[0] is field 3 (state), so field n is afterCommand[n - 3].
  const utime = Number(afterCommand[11]);
  const stime = Number(afterCommand[12]);
  return (utime + stime) / ticksPerSecond();
}

function descriptors(pid: number): { openFds: number; sockets: number } {
  let openFds = 0;
  let sockets = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    openFds++;
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:')) sockets++;
    } catch {
      // closed between readdir and readlink
    }
  }
  return { openFds, sockets };
}

/** Resets VmHWM to the current RSS (`echo 5 > /proc/<pid>/clear_refs`); false if not allowed. */
export function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/**
 * Samples a process's RSS every `intervalMs` while a piece of work runs: the peak is the larger of
 * the sampled maximum and VmHWM (reset at the start when the kernel allows it).
 */
export class PeakSampler {
  readonly #pid: number;
  readonly #timer: NodeJS.Timeout;
  readonly #hwmReset: boolean;
  #maxRssKib = 0;

  constructor(pid: number, intervalMs = 20) {
    this.#pid = pid;
    this.#hwmReset = resetPeak(pid);
    this.#sample();
    this.#timer = setInterval(() => this.#sample(), intervalMs);
  }

  #sample(): void {
    try {
      this.#maxRssKib = Math.max(this.#maxRssKib, readProcess(this.#pid).rssKib);
    } catch {
      // the process exited; stop() reports what was seen
    }
  }

  /** Peak RSS in KiB seen while sampling. */
  stop(): number {
    clearInterval(this.#timer);
    this.#sample();
    if (!this.#hwmReset) return this.#maxRssKib;
    try {
      return Math.max(this.#maxRssKib, readProcess(this.#pid).hwmKib);
    } catch {
      return this.#maxRssKib;
    }
  }
}
