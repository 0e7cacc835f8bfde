import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HealthProbe, healthzHandler } from '../src/observability/healthz.js';
import { HttpListener } from '../src/observability/http-listener.js';
import { leaveStaleSocket } from './support/stale-socket.js';
import { makeTempDir } from './support/test-provider.js';

describe('/healthz when the gRPC server does not answer', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  it('answers 503 with the reason within the healthz timeout', async () => {
    const dir = await makeTempDir();
    const socketPath = join(dir, 'azure.sock');
    await leaveStaleSocket(socketPath);
    const probe = new HealthProbe({ kind: 'unix', path: socketPath }, 300);
    const server = await HttpListener.start(
      'healthz',
      { host: '127.0.0.1', port: 0 },
      healthzHandler('/healthz', probe),
    );
    cleanups.push(
      () => probe.close(),
      () => server.stop(),
    );

    const started = performance.now();
    const response = await fetch(`http://127.0.0.1:${server.port}/healthz`);
    const elapsed = performance.now() - started;
    expect(response.status).toBe(503);
    expect(await response.text()).toMatch(/^health check failed: (14 UNAVAILABLE|4 DEADLINE_EXCEEDED)/);
    expect(elapsed).toBeLessThan(5000);
    expect((await fetch(`http://127.0.0.1:${server.port}/other`)).status).toBe(404);
  });
});
