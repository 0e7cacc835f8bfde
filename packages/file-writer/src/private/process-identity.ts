import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';

/**
 * Who holds a lock, recorded so that another process can tell a live holder from one that died
 * (SIGKILL, OOM, node crash) without any help from the holder.
 */
export interface LockOwner {
  readonly pid: number;
  /** Kernel start time of `pid` (clock ticks since boot, /proc/<pid>/stat field 22): detects pid reuse. */
  readonly startTime: string | null;
  /** `pid:[<inode>]` of the holder's pid namespace: pids are only comparable inside one namespace. */
  readonly pidNamespace: string | null;
  readonly bootId: string | null;
  readonly host: string;
  /** Epoch ms when the lock was taken: the only clue left for a holder we cannot inspect. */
  readonly acquiredAt: number;
}

function readOrNull(read: () => string): string | null {
  try {
    return read().trim();
  } catch {
    return null;
  }
}

interface ProcStat {
  readonly state: string;
  readonly startTime: string;
}

function procStat(pid: number): ProcStat | null {
  const text = readOrNull(() => readFileSync(`/proc/${pid}/stat`, 'utf8'));
  if (text === null) return null;
  // The command name (field 2) may hold spaces and parentheses: fields resume after the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = rest[0];
  const startTime = rest[19];
  return state === undefined || startTime === undefined ? null : { state, startTime };
}

export function currentOwner(acquiredAt: number): LockOwner {
  return {
    pid: process.pid,
    startTime: procStat(process.pid)?.startTime ?? null,
    pidNamespace: readOrNull(() => readlinkSync('/proc/self/ns/pid')),
    bootId: readOrNull(() => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8')),
    host: hostname(),
    acquiredAt,
  };
}

export function parseOwner(text: string): LockOwner | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockOwner>;
    if (!Number.isSafeInteger(value.pid) || typeof value.host !== 'string') return undefined;
    if (typeof value.acquiredAt !== 'number') return undefined;
    return value as LockOwner;
  } catch {
    return undefined;
  }
}

/**
 * True when the owner certainly no longer runs: same machine and pid namespace, and the pid is gone,
 * a zombie, or now belongs to a process that started later. For an owner we cannot inspect (another
 * host or pid namespace) only age counts: older than `staleAfterMs` means abandoned.
 */
export function ownerIsGone(owner: LockOwner, nowMs: number, staleAfterMs: number): boolean {
  const self = currentOwner(nowMs);
  const sameMachine = owner.host === self.host;
  if (sameMachine && owner.bootId !== null && self.bootId !== null && owner.bootId !== self.bootId) {
    return true;
  }
  const inspectable =
    sameMachine &&
    (owner.pidNamespace === null || self.pidNamespace === null || owner.pidNamespace === self.pidNamespace);
  if (!inspectable) return nowMs - owner.acquiredAt > staleAfterMs;
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return true;
  }
  const stat = procStat(owner.pid);
  if (stat === null) return false;
  if (stat.state === 'Z' || stat.state === 'X') return true;
  return owner.startTime !== null && stat.startTime !== owner.startTime;
}
