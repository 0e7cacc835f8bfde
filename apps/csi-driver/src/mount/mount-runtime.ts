import { type KeyVaultClientOptions, KeyVaultFetcher } from '@keyvault-csi/keyvault-fetcher';
import { NmiClient } from '@keyvault-csi/nmi-client';
import type { CloudEnvironment } from '@keyvault-csi/spc';
import { userAgentPrefix } from '../commands/user-agent.js';
import type { DaemonConfig } from '../config/daemon-flags.js';
import { AzureCredentials } from '../credentials/azure-credentials.js';
import { TokenAgeLimit } from '../credentials/token-age-limit.js';
import { TokenProxyAccess } from '../identity-binding/token-proxy-access.js';
import type { TokenProxySettings } from '../identity-binding/token-proxy-settings.js';
import { fetcherEventRecorder, nmiEventRecorder } from '../observability/library-events.js';
import { type Logger, withCaller } from '../observability/logger.js';
import type { DriverMetrics } from '../observability/metrics.js';
import { mountErrorStatus } from './error-status.js';
import type { MountRuntime } from './mount-call.js';
import { InFlightBytes } from './mount-memory.js';
import { MountService } from './mount-service.js';

export interface LoadedMountRuntime extends MountRuntime {
  close(): Promise<void>;
}

/** What the mount pipeline needs from the daemon's (or the one-shot `mount` command's) flags. */
export type MountRuntimeConfig = Pick<
  DaemonConfig,
  | 'nmiEndpoint'
  | 'maxConcurrency'
  | 'contentCache'
  | 'keyVaultHttpVersion'
  | 'constructPemChain'
  | 'writeCertAndKeyInSeparateFiles'
  | 'customUserAgent'
  | 'cloudName'
  | 'cloudEnvironmentFile'
  | 'tokenCacheMaxAgeMs'
> &
  Partial<Pick<DaemonConfig, 'maxMountBytes' | 'maxInflightMountBytes' | 'maxMountObjects'>>;

/**
 * One NMI client and one Key Vault fetcher for the whole process, wired to the metrics; shared by
 * the daemon and the one-shot `mount` command.
 */
export function createMountRuntime(
  config: MountRuntimeConfig,
  options: {
    readonly logger: Logger;
    readonly metrics: DriverMetrics;
    readonly version: string;
    readonly keyVaultClientOptions?: KeyVaultClientOptions;
    /** Identity binding's start-up outcome (its failure is stored and reported on those mounts). */
    readonly tokenProxy?: () => Promise<TokenProxySettings>;
    /** The default cloud the daemon resolved at start-up. */
    readonly defaultCloud?: CloudEnvironment;
  },
): LoadedMountRuntime {
  const { metrics } = options;
  const logger = withCaller(options.logger, 'mount/mount-runtime.ts');
  // One bound for every token cache of the process (--token-cache-max-age).
  const tokenAgeLimit = new TokenAgeLimit(config.tokenCacheMaxAgeMs);
  const nmiClient = new NmiClient({
    endpoint: config.nmiEndpoint,
    maxTokenAgeMs: tokenAgeLimit.maxAgeMs,
    onEvent: nmiEventRecorder(metrics, logger),
  });
  const fetcher = new KeyVaultFetcher({
    maxConcurrency: config.maxConcurrency,
    constructPemChain: config.constructPemChain,
    writeCertAndKeyInSeparateFiles: config.writeCertAndKeyInSeparateFiles,
    userAgentPrefix: userAgentPrefix(options.version, config.customUserAgent),
    ...(config.contentCache ? { contentCache: config.contentCache } : {}),
    ...(config.keyVaultHttpVersion ? { httpVersion: config.keyVaultHttpVersion } : {}),
    ...(options.keyVaultClientOptions ? { clientOptions: options.keyVaultClientOptions } : {}),
    onEvent: fetcherEventRecorder(metrics, logger),
  });
  const tokenProxy = new TokenProxyAccess(options.tokenProxy);
  return {
    service: new MountService({
      nmiClient,
      fetcher,
      defaultCloudName: config.cloudName,
      ...(options.defaultCloud ? { defaultCloud: options.defaultCloud } : {}),
      defaultCloudEnvFileName: config.cloudEnvironmentFile ?? '',
      writeCertAndKeyInSeparateFiles: config.writeCertAndKeyInSeparateFiles,
      azureCredentials: new AzureCredentials({ tokenProxy, tokenAgeLimit }),
      maxMountObjects: config.maxMountObjects,
      maxMountBytes: config.maxMountBytes,
      ...(config.maxInflightMountBytes === undefined
        ? {}
        : { inFlightBytes: new InFlightBytes({ limit: config.maxInflightMountBytes }) }),
    }),
    errorStatus: mountErrorStatus,
    // All hold keep-alive connection pools (NMI; Key Vault and its proxy tunnels; the token proxy).
    close: async () => {
      tokenProxy.close();
      await Promise.all([nmiClient.close(), fetcher.close()]);
    },
  };
}
