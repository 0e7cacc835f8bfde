import { closeSync, constants, ftruncateSync, openSync, writeSync } from 'node:fs';

/**
 * `--log_file`: lines appended synchronously (a crash loses nothing already logged). When the file
 * reaches its size limit it starts over from empty, as klog recreates its single log file.
 */
export class LogFileStream {
  readonly #fd: number;
  readonly #maxBytes: number;
  #bytes = 0;

  constructor(path: string, maxBytes: number) {
    // Append like klog on start-up; created owner-only, since logs name pods and vaults.
    this.#fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND, 0o600);
    this.#maxBytes = maxBytes;
  }

  write(line: string): void {
    const bytes = Buffer.byteLength(line);
    if (this.#bytes > 0 && this.#bytes + bytes > this.#maxBytes) {
      ftruncateSync(this.#fd, 0);
      this.#bytes = 0;
    }
    writeSync(this.#fd, line);
    this.#bytes += bytes;
  }

  close(): void {
    closeSync(this.#fd);
  }
}
