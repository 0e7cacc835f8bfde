import { readFileSync } from 'node:fs';
import { stat, writeFile } from 'node:fs/promises';
import { createServer as createNetServer } from 'node:net';
import { join } from 'node:path';
import { credentials, Metadata, status } from '@grpc/grpc-js';
import {
  CSIDriverProviderClient,
  HealthCheckResponse_ServingStatus,
  type VersionResponse,
} from '@keyvault-csi/csi-driver/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { healthClient, providerClient } from './support/grpc-calls.js';
import { leaveStaleSocket } from './support/stale-socket.js';
import { makeTempDir, startTestProvider, type TestProvider } from './support/test-provider.js';

const packageJson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

describe('the daemon over a real unix socket', () => {
  let running: TestProvider;
  beforeAll(async () => {
    running = await startTestProvider();
  });
  afterAll(async () => {
    await running?.close();
  });

  it('answers Version with the provider identity and the package version', async () => {
    const client = providerClient(running.socketPath);
    const response = await new Promise<VersionResponse>((resolve, reject) =>
      client.version({ version: 'v1alpha1' }, (error, value) => (error ? reject(error) : resolve(value))),
    );
    client.close();
    expect(response).toEqual({
      version: 'v1alpha1',
      runtimeName: 'keyvault-csi',
      runtimeVersion: packageJson.version,
    });
    expect(packageJson.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('makes the socket owner-only', async () => {
    const info = await stat(running.socketPath);
    expect(info.isSocket()).toBe(true);
    expect(info.mode & 0o777).toBe(0o600);
  });

  it('answers Health/Check SERVING for any service, List and Watch UNIMPLEMENTED', async () => {
    const client = healthClient(running.socketPath);
    for (const service of ['', 'v1alpha1.CSIDriverProvider', 'anything']) {
      const response = await new Promise<{ status: number }>((resolve, reject) =>
        client.check({ service }, (error, value) => (error ? reject(error) : resolve(value))),
      );
      expect(response.status).toBe(HealthCheckResponse_ServingStatus.SERVING);
    }
    const listError = await new Promise<{ code?: number; details?: string }>((resolve) =>
      client.list({}, (error) => resolve(error ?? {})),
    );
    expect(listError).toMatchObject({ code: status.UNIMPLEMENTED, details: 'List is not supported' });
    const watchError = await new Promise<{ code?: number; details?: string }>((resolve) => {
      const stream = client.watch({ service: '' }, new Metadata());
      stream.on('error', resolve);
      stream.on('data', () => undefined);
    });
    expect(watchError).toMatchObject({ code: status.UNIMPLEMENTED, details: 'Watch is not supported' });
    client.close();
  });

  it('serves /healthz 200 ok through its own gRPC health check, and nothing else on that port', async () => {
    const base = `http://127.0.0.1:${running.provider.daemon.healthzPort}`;
    const ok = await fetch(`${base}/healthz`);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('ok');
    expect((await fetch(`${base}/metrics`)).status).toBe(404);
  });

  it('serves /metrics with gRPC requests counted by method and code', async () => {
    const base = `http://127.0.0.1:${running.provider.daemon.metricsPort}`;
    await fetch(`http://127.0.0.1:${running.provider.daemon.healthzPort}/healthz`);
    const response = await fetch(`${base}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(text).toMatch(
      /grpc_request_count\{grpc_method="\/grpc.health.v1.Health\/Check",grpc_code="OK",provider="azure",os_type="linux",service_name="csi-secrets-store-provider-azure",otel_scope_name="csi-secrets-store-provider-azure"\} [1-9]/,
    );
    expect(text).toContain('grpc_method="/v1alpha1.CSIDriverProvider/Version",grpc_code="OK"');
    expect(text).toContain('# TYPE keyvault_request histogram');
    expect((await fetch(`${base}/debug/pprof/`)).status).toBe(404);
  });
});

describe('start-up and stop', () => {
  it('replaces a stale socket file left by a killed process', async () => {
    const dir = await makeTempDir();
    const socketPath = join(dir, 'azure.sock');
    await leaveStaleSocket(socketPath);
    expect((await stat(socketPath)).isSocket()).toBe(true);
    const running = await startTestProvider({ endpoint: { kind: 'unix', path: socketPath } });
    const client = providerClient(socketPath);
    const version = await new Promise<string>((resolve, reject) =>
      client.version({ version: 'v1alpha1' }, (error, value) =>
        error ? reject(error) : resolve(value.runtimeName),
      ),
    );
    client.close();
    expect(version).toBe('keyvault-csi');
    await running.close();
  });

  it('refuses to replace a regular file at the socket path', async () => {
    const dir = await makeTempDir();
    const path = join(dir, 'azure.sock');
    await writeFile(path, 'not a socket');
    await expect(startTestProvider({ endpoint: { kind: 'unix', path } })).rejects.toThrow(
      `refusing to replace ${path}: it exists and is not a socket`,
    );
  });

  it('names a socket directory that does not exist', async () => {
    const dir = await makeTempDir();
    const path = join(dir, 'missing', 'azure.sock');
    await expect(startTestProvider({ endpoint: { kind: 'unix', path } })).rejects.toThrow(
      `cannot listen on ${path}: the directory ${join(dir, 'missing')} does not exist`,
    );
  });

  it('keeps serving mounts when the health and metrics ports are taken, and logs each at error level', async () => {
    const blocker = createNetServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    const running = await startTestProvider({
      healthz: { host: '127.0.0.1', port, path: '/healthz', timeoutMs: 1000 },
      metrics: { host: '127.0.0.1', port },
    });
    try {
      expect(running.provider.daemon.healthzPort).toBeUndefined();
      expect(running.provider.daemon.metricsPort).toBeUndefined();
      const errors = running.logs.records().filter((r) => r['err'] !== undefined);
      expect(errors).toEqual([
        expect.objectContaining({
          msg: 'listen and server error',
          caller: 'daemon.ts',
          err: `metrics server: listen tcp 127.0.0.1:${port}: bind: address already in use`,
        }),
        expect.objectContaining({
          msg: 'failed to start health check server',
          err: `healthz server: listen tcp 127.0.0.1:${port}: bind: address already in use`,
        }),
      ]);
      const client = providerClient(running.socketPath);
      const version = await new Promise<string>((resolve, reject) =>
        client.version({ version: 'v1alpha1' }, (error, value) =>
          error ? reject(error) : resolve(value.runtimeName),
        ),
      );
      client.close();
      expect(version).toBe('keyvault-csi');
    } finally {
      await running.close();
      blocker.close();
    }
  });

  it('port 0 binds a free port and null disables a server', async () => {
    const running = await startTestProvider({ metrics: null });
    try {
      expect(running.provider.daemon.healthzPort).toBeGreaterThan(0);
      expect(running.provider.daemon.metricsPort).toBeUndefined();
    } finally {
      await running.close();
    }
  });

  it('serves a tcp:// endpoint, and /healthz dials the port actually bound', async () => {
    const running = await startTestProvider({ endpoint: { kind: 'tcp', host: '127.0.0.1', port: 0 } });
    const port = running.provider.daemon.grpcPort;
    expect(port).toBeGreaterThan(0);
    const client = new CSIDriverProviderClient(`127.0.0.1:${port}`, credentials.createInsecure());
    const version = await new Promise<string>((resolve, reject) =>
      client.version({ version: 'v1alpha1' }, (error, value) =>
        error ? reject(error) : resolve(value.runtimeName),
      ),
    );
    client.close();
    expect(version).toBe('keyvault-csi');
    const healthz = await fetch(`http://127.0.0.1:${running.provider.daemon.healthzPort}/healthz`);
    expect(healthz.status).toBe(200);
    await running.close();
  });

  it('removes its socket on stop', async () => {
    const running = await startTestProvider();
    await running.provider.stop();
    await expect(stat(running.socketPath)).rejects.toMatchObject({ code: 'ENOENT' });
    await running.close();
  });
});
