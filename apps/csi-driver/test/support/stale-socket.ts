import { spawn } from 'node:child_process';
import { once } from 'node:events';

/** A socket file whose listener was SIGKILLed, exactly what a crashed provider leaves behind. */
export async function leaveStaleSocket(path: string): Promise<void> {
  const child = spawn(
    process.execPath,
    [
      '-e',
      `require('node:net').createServer().listen(${JSON.stringify(path)}, () => process.stdout.write('ready'))`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await once(child.stdout, 'data');
  child.kill('SIGKILL');
  await once(child, 'exit');
}
