import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DaemonProcess } from './support/daemon-process.js';
import { CLIENT_ID, demoAttributes, type Fakes, objects, startFakes, VAULT } from './support/fakes.js';
import { mount, providerClient } from './support/grpc-calls.js';
import { makeTempDir, startTestProvider } from './support/test-provider.js';

const SECRET = objects('objectName: secret1\nobjectType: secret');

describe('graceful stop with a mount in flight', () => {
  let fakes: Fakes;
  beforeAll(async () => {
    fakes = await startFakes();
    fakes.kv
      .addVault(VAULT)
      .grant(CLIENT_ID, { secrets: ['get'] })
      .setSecret('secret1', 'value-1');
  });
  afterAll(() => fakes?.stop());

  it('answers the in-flight mount, then exits 0 and removes the socket (built binary, SIGTERM)', async () => {
    const dir = await makeTempDir();
    const socketPath = join(dir, 'azure.sock');
    const daemon = new DaemonProcess([
      `--endpoint=unix://${socketPath}`,
      '--healthz-port=-1',
      '--prometheus-port=-1',
      '--log-format-json',
      `--nmi-endpoint=${fakes.nmi.url}`,
    ]);
    try {
      await daemon.waitForLog('Listening for connections');
      fakes.nmi.injectFaults({ delayMs: 1500, times: 1 });
      const client = providerClient(socketPath);
      const pending = mount(client, { attributes: demoAttributes({ objects: SECRET }) });
      while (fakes.nmi.calls === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      daemon.kill('SIGTERM');
      const { response, error } = await pending;
      client.close();
      expect(error).toBeUndefined();
      expect(Buffer.from(response!.files[0]!.contents).toString()).toBe('value-1');
      const { code } = await daemon.exited;
      expect(code).toBe(0);
      await expect(stat(socketPath)).rejects.toMatchObject({ code: 'ENOENT' });
      expect(daemon.stderr).toContain('"msg":"stopping: waiting for in-flight mounts"');
      expect(daemon.stderr).not.toMatch(/value-1|eyJ[\w-]{10,}\.[\w-]{10,}/);
    } finally {
      if (daemon.child.exitCode === null) daemon.kill('SIGKILL');
    }
  });

  it('cancels a mount still running when the grace period ends (CANCELLED), then stops', async () => {
    const running = await startTestProvider({ nmiEndpoint: fakes.nmi.url, shutdownGraceMs: 300 });
    fakes.nmi.injectFaults({ delayMs: 8000, times: 1 });
    const client = providerClient(running.socketPath);
    const calls = fakes.nmi.calls;
    const pending = mount(client, {
      attributes: demoAttributes({ objects: SECRET }, { name: 'slow-pod', namespace: 'default' }),
    });
    while (fakes.nmi.calls === calls) await new Promise((resolve) => setTimeout(resolve, 20));
    const stopping = performance.now();
    await running.provider.stop();
    const { error } = await pending;
    client.close();
    expect(performance.now() - stopping).toBeLessThan(3000);
    expect(error?.code).toBe(status.CANCELLED);
    expect(error?.details).toBe(
      'failed to mount objects, error: the provider is stopping: mount cancelled at the end of the grace period',
    );
    await running.close();
    fakes.nmi.clearFaults();
  });
});
