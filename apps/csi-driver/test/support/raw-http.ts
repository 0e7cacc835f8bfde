import { connect, type Socket } from 'node:net';

export interface RawExchange {
  /** Everything the server sent before closing (or before `waitMs` ran out). */
  readonly response: string;
  /** Whether the server closed the connection within `waitMs`. */
  readonly closed: boolean;
}

/** Opens a TCP connection to 127.0.0.1:`port`, writes `bytes` as they are, and reads until close. */
export function rawExchange(port: number, bytes: string | Buffer, waitMs = 5000): Promise<RawExchange> {
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

/** An open connection that sends nothing (or only `bytes`) until the test closes it. */
export function idleConnection(port: number, bytes = ''): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      if (bytes) socket.write(bytes);
      resolve(socket);
    });
    socket.on('error', reject);
  });
}

/** The status code of the first response in `text`, e.g. 404; undefined when there is none. */
export function statusOf(text: string): number | undefined {
  const match = /^HTTP\/1\.1 (\d{3}) /.exec(text);
  return match ? Number(match[1]) : undefined;
}
