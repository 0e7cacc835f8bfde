import { connect, type Socket } from 'node:net';

export interface RawExchange {
  /** Everything the server sent before closing (or before `waitMs` ran out), as latin1. */
  readonly response: string;
  /** Whether the server closed the connection within `waitMs`. */
  readonly closed: boolean;
}

/** Opens a TCP connection to 127.0.0.1:`port`, writes `bytes` unchanged and reads until close. */
export function rawExchange(port: number, bytes: string | Buffer, waitMs = 8000): Promise<RawExchange> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    const finish = (closed: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ response: Buffer.concat(chunks).toString('latin1'), closed });
    };
    const timer = setTimeout(() => finish(false), waitMs);
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => finish(true));
    socket.on('connect', () => socket.write(bytes));
  });
}

/** A connection that sends `bytes` (an unfinished request head) and then nothing. */
export function heldConnection(port: number, bytes: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.write(bytes);
      resolve(socket);
    });
    socket.on('error', reject);
  });
}

/** The status code of the first HTTP response in `text`; undefined when there is none. */
export function statusOf(text: string): number | undefined {
  const match = /^HTTP\/1\.1 (\d{3}) /.exec(text);
  return match ? Number(match[1]) : undefined;
}
