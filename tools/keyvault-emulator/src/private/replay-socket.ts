import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';

/**
 * A socket whose first bytes were already read (to tell TLS from plain HTTP). A `TLSSocket` built
 * on a raw `net.Socket` reads from the native handle and would never see bytes put back with
 * `unshift`, so TLS runs over this JS stream, which replays them first.
 */
export class ReplaySocket extends Duplex {
  readonly #socket: Socket;

  constructor(socket: Socket, preface: Buffer) {
    super();
    this.#socket = socket;
    this.push(preface);
    socket.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) socket.pause();
    });
    socket.on('end', () => this.push(null));
    socket.on('close', () => this.destroy());
    socket.on('error', (error) => this.destroy(error));
  }

  get remoteAddress(): string | undefined {
    return this.#socket.remoteAddress;
  }

  override _read(): void {
    this.#socket.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#socket.write(chunk, callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.#socket.end();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#socket.destroy();
    callback(error);
  }
}
