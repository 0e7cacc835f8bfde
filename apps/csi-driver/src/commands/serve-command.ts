import { resolveCloud } from '@keyvault-csi/spc';
import type { BuildInfo } from '../build-info.js';
import type { DaemonConfig } from '../config/daemon-flags.js';
import { formatEndpoint } from '../config/endpoint.js';
import { createLogger } from '../observability/logger.js';
import { Provider } from '../provider.js';

/**
 * `csi-driver` with no subcommand: the provider daemon. Start-up order of deployment.md §2; resolves
 * with the exit code once a SIGTERM/SIGINT stop has finished (or start-up failed).
 */
export async function runServe(config: DaemonConfig, build: BuildInfo): Promise<number> {
  const logger = createLogger({ json: config.logFormatJson, verbosity: config.verbosity });
  for (const warning of config.warnings) logger.warn(warning);
  logger.info({ version: build.version, buildDate: build.buildDate }, 'starting keyvault-csi provider');
  if (config.verbosity >= 2) {
    logger.info(
      {
        endpoint: formatEndpoint(config.endpoint),
        cloudName: config.cloudName,
        constructPemChain: config.constructPemChain,
        writeCertAndKeyInSeparateFiles: config.writeCertAndKeyInSeparateFiles,
        nmiEndpoint: config.nmiEndpoint,
        maxConcurrency: config.maxConcurrency,
        mountTimeoutMs: config.mountTimeoutMs,
        tokenCacheMaxAgeMs: config.tokenCacheMaxAgeMs,
        healthz: config.healthz,
        metrics: config.metrics,
      },
      'configuration',
    );
  }
  try {
    resolveCloud(config.cloudName);
  } catch (error) {
    logger.error(error instanceof Error ? error.message : String(error));
    return 1;
  }

  // A stray rejection is a bug somewhere below us; one mount failing must not take the node's
  // provider down with it (Node 20 would exit). Thrown exceptions still end the process.
  process.on('unhandledRejection', (reason) => {
    logger.error(
      { error: reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason) },
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
    provider = await Provider.start(config, { logger, build });
  } catch (error) {
    logger.error(error instanceof Error ? error.message : String(error));
    return 1;
  }
  logger.info(
    {
      endpoint: formatEndpoint(config.endpoint),
      healthzPort: provider.daemon.healthzPort,
      metricsPort: provider.daemon.metricsPort,
    },
    'listening',
  );
  const signal = await signalled;
  logger.info({ signal }, 'stopping');
  await provider.stop();
  logger.info('stopped');
  return 0;
}
