import type { MountByteBudget } from '@keyvault-csi/keyvault-fetcher';

export type MountMemoryErrorCode = 'MOUNT_BYTES_EXCEEDED' | 'IN_FLIGHT_BYTES_EXHAUSTED';

/** A mount refused for memory: its own budget spent, or no room in the process-wide one. */
export class MountMemoryError extends Error {
  override readonly name = 'MountMemoryError';
  readonly code: MountMemoryErrorCode;

  constructor(code: MountMemoryErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** `4194304 bytes (4 MiB, --max-mount-bytes)`: a limit and the flag that sets it. */
export function describeLimit(bytes: number, flag: string): string {
  const mib = bytes / (1024 * 1024);
  const size = mib >= 1 ? `${Number.isInteger(mib) ? mib : mib.toFixed(1)} MiB, ` : '';
  return `${bytes} bytes (${size}--${flag})`;
}

interface Waiter {
  readonly mount: MountBytes;
  readonly bytes: number;
  readonly grant: () => void;
  readonly refuse: (error: MountMemoryError) => void;
}

/**
 * The bytes of file contents held by the mounts in flight in this process, bounded by
 * `--max-inflight-mount-bytes`: the daemon's memory limit is per node, the mounts are not. A
 * charge that does not fit waits in arrival order until earlier mounts answer and release theirs;
 * it is refused (RESOURCE_EXHAUSTED) when its mount's deadline or `maxWaitMs` comes first, or at
 * once when every mount holding bytes is itself waiting (nothing would ever be released).
 */
export class InFlightBytes {
  readonly limit: number;
  readonly #maxWaitMs: number;
  #used = 0;
  readonly #holders = new Set<MountBytes>();
  readonly #waiters: Waiter[] = [];

  constructor(options: { readonly limit: number; readonly maxWaitMs?: number }) {
    if (!Number.isSafeInteger(options.limit) || options.limit < 1) {
      throw new RangeError(`limit must be a positive integer, got ${options.limit}`);
    }
    this.limit = options.limit;
    this.#maxWaitMs = options.maxWaitMs ?? 10_000;
  }

  /** Bytes held by mounts in flight. */
  get used(): number {
    return this.#used;
  }

  /** Charges waiting for room. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /** One mount's account: at most `maxMountBytes` (`--max-mount-bytes`); release it once answered. */
  forMount(maxMountBytes: number): MountBytes {
    return new MountBytes(this, maxMountBytes);
  }

  /** @internal */
  acquire(mount: MountBytes, bytes: number, signal: AbortSignal): void | Promise<void> {
    if (this.#waiters.length === 0 && this.#used + bytes <= this.limit) {
      this.#take(mount, bytes);
      return;
    }
    return new Promise<void>((resolve, reject) => {
      const started = Date.now();
      const onAbort = () => finish(this.#waitedTooLong(mount, bytes, Date.now() - started));
      const timer = setTimeout(onAbort, this.#maxWaitMs);
      const finish = (error?: MountMemoryError) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        const at = this.#waiters.indexOf(waiter);
        if (at >= 0) this.#waiters.splice(at, 1);
        if (error) reject(error);
        else resolve();
        if (error) this.#pump();
      };
      const waiter: Waiter = {
        mount,
        bytes,
        grant: () => finish(),
        refuse: (error) => finish(error),
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
      this.#breakDeadlock();
    });
  }

  /** @internal */
  release(mount: MountBytes, bytes: number): void {
    this.#used -= bytes;
    this.#holders.delete(mount);
    for (const waiter of this.#waiters.filter((w) => w.mount === mount)) {
      waiter.refuse(
        new MountMemoryError('IN_FLIGHT_BYTES_EXHAUSTED', 'the mount ended while waiting for memory'),
      );
    }
    this.#pump();
  }

  #take(mount: MountBytes, bytes: number): void {
    this.#used += bytes;
    mount.held += bytes;
    if (mount.held > 0) this.#holders.add(mount);
  }

  /** Grants waiting charges in arrival order while they fit. */
  #pump(): void {
    while (this.#waiters.length > 0) {
      const first = this.#waiters[0]!;
      if (this.#used + first.bytes > this.limit) break;
      this.#take(first.mount, first.bytes);
      first.grant();
    }
    this.#breakDeadlock();
  }

  /** Every holder waiting means no release will come: refuse the newest waiting holder. */
  #breakDeadlock(): void {
    if (this.#waiters.length === 0 || this.#holders.size === 0) return;
    const waitingHolders = new Set(this.#waiters.filter((w) => w.mount.held > 0).map((w) => w.mount));
    if (waitingHolders.size < this.#holders.size) return;
    const newest = [...this.#waiters].reverse().find((w) => w.mount.held > 0) ?? this.#waiters.at(-1)!;
    newest.refuse(
      new MountMemoryError(
        'IN_FLIGHT_BYTES_EXHAUSTED',
        `the provider's memory for mounts in flight, ${describeLimit(this.limit, 'max-inflight-mount-bytes')}, is held by mounts that all wait for more: this mount holds ${newest.mount.held} bytes and needs ${newest.bytes} more`,
      ),
    );
  }

  #waitedTooLong(mount: MountBytes, bytes: number, waitedMs: number): MountMemoryError {
    return new MountMemoryError(
      'IN_FLIGHT_BYTES_EXHAUSTED',
      `the provider's memory for mounts in flight, ${describeLimit(this.limit, 'max-inflight-mount-bytes')}, is in use by other mounts: waited ${(waitedMs / 1000).toFixed(1)}s for ${bytes} bytes (this mount holds ${mount.held})`,
    );
  }
}

/** One mount's file bytes, charged by the fetcher as objects are converted. */
export class MountBytes implements MountByteBudget {
  readonly #pool: InFlightBytes;
  readonly maxBytes: number;
  /** Bytes granted from the process-wide budget. */
  held = 0;
  /** Bytes charged so far (granted or waiting). */
  #charged = 0;
  #released = false;

  constructor(pool: InFlightBytes, maxBytes: number) {
    this.#pool = pool;
    this.maxBytes = maxBytes;
  }

  /** Bytes charged so far (granted or waiting): what is left of `maxBytes` is all the mount may add. */
  get charged(): number {
    return this.#charged;
  }

  charge(bytes: number, signal: AbortSignal): void | Promise<void> {
    if (this.#released) throw new MountMemoryError('MOUNT_BYTES_EXCEEDED', 'the mount already answered');
    const total = this.#charged + bytes;
    if (total > this.maxBytes) {
      throw new MountMemoryError(
        'MOUNT_BYTES_EXCEEDED',
        `the mount's files exceed the per-mount budget of ${describeLimit(this.maxBytes, 'max-mount-bytes')}: ${total} bytes fetched so far`,
      );
    }
    this.#charged = total;
    return this.#pool.acquire(this, bytes, signal);
  }

  /** Returns the held bytes to the process-wide budget (after the answer is sent). Idempotent. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    const held = this.held;
    this.held = 0;
    this.#pool.release(this, held);
  }
}
