import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { cpuSecondsOf, PeakSampler, readProcess } from './process-sampler.js';

describe('readProcess', () => {
  it('reads RSS, CPU time, fds and sockets of a live process', async () => {
    // A child that burns 300 ms of its own CPU time (not wall time: the machine may be busy), then
    // allocates 64 MiB and holds it.
    const child = spawn(
      process.execPath,
      [
        '-e',
        'while(process.cpuUsage().user<300000);globalThis.b=Buffer.alloc(64*1024*1024,1);process.stdout.write("ready\\n");setInterval(()=>{},1000)',
      ],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    try {
      const sampler = new PeakSampler(child.pid!, 5);
      await once(child.stdout!, 'data');
      const reading = readProcess(child.pid!);
      expect(reading.rssKib / 1024).toBeGreaterThan(64);
      expect(reading.hwmKib).toBeGreaterThanOrEqual(reading.rssKib);
      expect(reading.cpuSeconds).toBeGreaterThanOrEqual(0.2);
      expect(reading.openFds).toBeGreaterThanOrEqual(3);
      expect(reading.sockets).toBeGreaterThanOrEqual(0);
      expect(sampler.stop() / 1024).toBeGreaterThan(64);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('throws once the process is gone', async () => {
    const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    await once(child, 'exit');
    expect(() => readProcess(child.pid!)).toThrow();
  });
});

describe('cpuSecondsOf', () => {
  it('adds utime and stime, even when the command name holds spaces and parentheses', () => {
    const fields = Array.from({ length: 50 }, (_, i) => String(i + 3));
    fields[11] = '150'; // utime (field 14)
    fields[12] = '50'; // stime (field 15)
    expect(cpuSecondsOf(`1234 (node (x) y) ${fields.join(' ')}`)).toBeCloseTo(2, 5);
  });
});
