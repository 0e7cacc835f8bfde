import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, type DaemonConfig, Provider, readBuildInfo } from '@keyvault-csi/csi-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectProvider, providerVersion, runCli } from '../src/index.js';

const MANIFEST = `apiVersion: secrets-store.csi.x-k8s.io/v1
kind: SecretProviderClass
metadata:
  name: azure-kvname-podid
spec:
  provider: azure
  parameters:
    usePodIdentity: "true"
    tenantId: "72f988bf-0000-0000-0000-000000000000"
    objects: |
      array:
        - |
          objectName: secret1
          objectType: secret
`;

/** The fake driver against the real keyvault-csi provider, for what needs no Key Vault. */
describe('against the real provider', () => {
  let dir: string;
  let provider: Provider;
  const socketPath = () => join(dir, 'azure.sock');

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fake-csi-real-'));
    const config: DaemonConfig = {
      endpoint: { kind: 'unix', path: join(dir, 'azure.sock') },
      constructPemChain: true,
      writeCertAndKeyInSeparateFiles: false,
      cloudName: 'AzurePublicCloud',
      healthz: null,
      metrics: null,
      logFormatJson: true,
      verbosity: 0,
      customUserAgent: '',
      nmiEndpoint: 'http://127.0.0.1:9',
      mountTimeoutMs: 10_000,
      maxConcurrency: 4,
      tokenCacheMaxAgeMs: 300_000,
      maxMountBytes: 4_194_304,
      maxInflightMountBytes: 8_388_608,
      maxMountObjects: 1000,
      shutdownGraceMs: 1000,
      // No CA file: identity binding's start-up fails at once, without any network.
      tokenProxy: {
        url: '',
        sniName: '',
        caFile: join(dir, 'no-such-ca.crt'),
        apiServerHost: 'kubernetes.default.svc.cluster.local',
      },
      warnings: [],
    };
    const logger = createLogger({ json: true, verbosity: 0, destination: { write: () => undefined } });
    provider = await Provider.start(config, { logger, build: readBuildInfo(), processMetrics: false });
  });
  afterAll(async () => {
    await provider?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('reads Version like the driver health check', async () => {
    const client = connectProvider(socketPath());
    expect(await providerVersion(client)).toMatchObject({ version: 'v1alpha1', runtimeName: 'keyvault-csi' });
    client.close();
  });

  it('CLI: prints the FailedMount text and exits 1 on a configuration error', async () => {
    const manifest = join(dir, 'spc.yaml');
    await writeFile(manifest, MANIFEST);
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(
      [
        'mount',
        '--socket',
        socketPath(),
        '--spc',
        manifest,
        '--pod-name=busybox',
        '--pod-namespace=default',
        `--target-path=${dir}`,
      ],
      { stdout: (t) => out.push(t), stderr: (t) => err.push(t) },
    );
    expect(code).toBe(1);
    expect(err.join('')).toBe(
      'failed to mount secrets store objects for pod default/busybox, err: rpc error: code = InvalidArgument desc = failed to mount objects, error: keyvaultName is not provided\n',
    );
  });

  it('CLI: fails at once, as the driver does, when no provider socket exists', async () => {
    const manifest = join(dir, 'spc.yaml');
    await writeFile(manifest, MANIFEST);
    const err: string[] = [];
    const code = await runCli(
      [
        'mount',
        `--socket=${join(dir, 'absent.sock')}`,
        `--spc=${manifest}`,
        '--pod-name=busybox',
        '--pod-namespace=default',
        `--target-path=${dir}`,
      ],
      { stdout: () => undefined, stderr: (t) => err.push(t) },
    );
    expect(code).toBe(1);
    expect(err.join('')).toBe(
      'failed to mount secrets store objects for pod default/busybox, err: error connecting to provider "azure": provider not found: provider "azure"\n',
    );
  });

  it('CLI: version prints the provider identity', async () => {
    const out: string[] = [];
    const code = await runCli(['version', `--socket=${socketPath()}`], {
      stdout: (t) => out.push(t),
      stderr: () => undefined,
    });
    expect(code).toBe(0);
    expect(JSON.parse(out.join(''))).toMatchObject({ version: 'v1alpha1', runtimeName: 'keyvault-csi' });
  });

  it('CLI: names a missing required flag', async () => {
    const err: string[] = [];
    const code = await runCli(['mount', '--socket', socketPath()], {
      stdout: () => undefined,
      stderr: (t) => err.push(t),
    });
    expect(code).toBe(1);
    expect(err.join('')).toContain('--spc is required');
  });
});
