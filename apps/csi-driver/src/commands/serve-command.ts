import { type CloudEnvironment, readOperatorCloudFile, resolveCloud } from '@keyvault-csi/spc';
import type { BuildInfo } from '../build-info.js';
import type { DaemonConfig } from '../config/daemon-flags.js';
import { type Endpoint, formatEndpoint } from '../config/endpoint.js';
import { createLogger, withCaller } from '../observability/logger.js';
import { Provider } from '../provider.js';

/**
 * `csi-driver` with no subcommand: the provider daemon. Start-up order of docs/deployment.md §2; resolves
 * with the exit code once a SIGTERM/SIGINT stop has finished (or start-up failed).
 */
export async function runServe(config: DaemonConfig, build: BuildInfo): Promise<number> {
  const root = createLogger({
    json: config.logFormatJson,
    verbosity: config.verbosity,
    splitStream: config.logJsonSplitStream ?? false,
    ...(config.logRouting ? { routing: config.logRouting } : {}),
  });
  const logger = withCaller(root, 'commands/serve-command.ts');
  for (const warning of config.warnings) logger.warn(warning);
  // The reference's start-up and shutdown messages, word for word: log queries look for them.
  logger.info({ version: build.version, buildDate: build.buildDate }, 'Starting Azure Key Vault Provider');
  if (config.verbosity >= 2) {
    logger.info(
      {
        endpoint: formatEndpoint(config.endpoint),
        cloudName: config.cloudName,
        constructPemChain: config.constructPemChain,
        writeCertAndKeyInSeparateFiles: config.writeCertAndKeyInSeparateFiles,
        nmiEndpoint: config.nmiEndpoint,
        maxConcurrency: config.maxConcurrency,
        maxMountBytes: config.maxMountBytes,
        maxInflightMountBytes: config.maxInflightMountBytes,
        maxMountObjects: config.maxMountObjects,
        mountTimeoutMs: config.mountTimeoutMs,
        tokenCacheMaxAgeMs: config.tokenCacheMaxAgeMs,
        healthz: config.healthz,
        metrics: config.metrics,
      },
      'configuration',
    );
  }
  let defaultCloud: CloudEnvironment;
  try {
    // As the reference: AzureStackCloud reads AZURE_ENVIRONMENT_FILEPATH once, here.
    defaultCloud = resolveCloud(config.cloudName, config.cloudEnvironmentFile ?? '', readOperatorCloudFile);
  } catch (error) {
    logger.error({ err: error, cloudName: config.cloudName }, 'failed validating default cloud environment');
    return 1;
  }
  logger.info({ backend: 'prometheus' }, 'intializing metrics backend'); // sic: the reference's text
  if (config.constructPemChain) logger.info('construct pem chain feature enabled');
  if (config.writeCertAndKeyInSeparateFiles) {
    logger.info('write cert and key in separate files feature enabled');
  }

  // A stray rejection is a bug somewhere below us; one mount failing must not take the node's
  // provider down with it (Node 20 would exit). Thrown exceptions still end the process.
  process.on('unhandledRejection', (reason) => {
    logger.error(
      { err: reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason) },
      'unhandled promise rejection (a bug): still serving',
    );
  });

  // Listen for signals before the socket exists, so a stop right after start-up is never lost; a
  // second signal during the stop must not kill the process before the socket is removed.
  let stopRequested = false;
  const signalled = new Promise<NodeJS.Signals>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopRequested) logger.warn({ signal }, 'already stopping');
      stopRequested = true;
      resolve(signal);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  let provider: Provider;
  try {
    provider = await Provider.start(config, { logger: root, build, defaultCloud });
  } catch (error) {
    logger.error({ err: error, endpoint: formatEndpoint(config.endpoint) }, 'failed to listen');
    return 1;
  }
  logger.info(
    {
      address: listenAddress(config.endpoint, provider.daemon.grpcPort),
      healthzPort: provider.daemon.healthzPort,
      metricsPort: provider.daemon.metricsPort,
    },
    'Listening for connections',
  );
  const signal = await signalled;
  logger.info({ signal }, 'terminating the server');
  await provider.stop();
  logger.info('stopped');
  return 0;
}

/** What Go's `listener.Addr()` prints: the socket path, or host:port of a TCP endpoint. */
function listenAddress(endpoint: Endpoint, boundPort: number): string {
  return endpoint.kind === 'unix' ? endpoint.path : `${endpoint.host || '0.0.0.0'}:${boundPort}`;
}
