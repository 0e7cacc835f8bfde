import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createLogger,
  type DaemonConfig,
  DEFAULT_HTTP_LIMITS,
  Provider,
  readBuildInfo,
} from '@keyvault-csi/csi-driver';
import { LogCapture } from './log-capture.js';

export interface TestProvider {
  readonly provider: Provider;
  readonly socketPath: string;
  readonly dir: string;
  readonly logs: LogCapture;
  close(): Promise<void>;
}

export async function makeTempDir(prefix = 'csi-driver-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** The real provider in this process on a fresh socket; HTTP servers on 127.0.0.1 ephemeral ports. */
export async function startTestProvider(overrides: Partial<DaemonConfig> = {}): Promise<TestProvider> {
  const dir = await makeTempDir();
  const socketPath = join(dir, 'azure.sock');
  const logs = new LogCapture();
  const config: DaemonConfig = {
    endpoint: { kind: 'unix', path: socketPath },
    constructPemChain: true,
    writeCertAndKeyInSeparateFiles: false,
    cloudName: 'AzurePublicCloud',
    healthz: { host: '127.0.0.1', port: 0, path: '/healthz', timeoutMs: 2000 },
    metrics: { host: '127.0.0.1', port: 0 },
    logFormatJson: true,
    verbosity: 5,
    customUserAgent: '',
    nmiEndpoint: 'http://127.0.0.1:9',
    mountTimeoutMs: 110_000,
    maxConcurrency: 64,
    tokenCacheMaxAgeMs: 300_000,
    maxMountBytes: 4 * 1024 * 1024,
    maxInflightMountBytes: 8 * 1024 * 1024,
    maxMountObjects: 1000,
    shutdownGraceMs: 10_000,
    httpLimits: DEFAULT_HTTP_LIMITS,
    // No CA file: identity binding's start-up fails (stored for those mounts) without any network.
    tokenProxy: {
      url: '',
      sniName: '',
      caFile: join(dir, 'no-such-ca.crt'),
      apiServerHost: 'kubernetes.default.svc.cluster.local',
    },
    warnings: [],
    ...overrides,
  };
  const logger = createLogger({ json: true, verbosity: 5, destination: logs });
  const provider = await Provider.start(config, { logger, build: readBuildInfo(), processMetrics: false });
  return {
    provider,
    socketPath,
    dir,
    logs,
    async close() {
      await provider.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
