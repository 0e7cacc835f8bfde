import type { FetcherEvent } from '@keyvault-csi/keyvault-fetcher';
import type { NmiEvent } from '@keyvault-csi/nmi-client';
import { type Logger, withCaller } from './logger.js';
import type { DriverMetrics } from './metrics.js';

/** NMI client events → metrics (and debug logs at -v 4). */
export function nmiEventRecorder(metrics: DriverMetrics, parent: Logger): (event: NmiEvent) => void {
  const logger = withCaller(parent, 'nmi-client');
  return (event) => {
    switch (event.type) {
      case 'request':
        metrics.observeNmiRequest(event.status, event.durationMs);
        logger.debug({ status: event.status, durationMs: Math.round(event.durationMs) }, 'nmi request');
        break;
      case 'retry':
        metrics.countNmiRetry();
        logger.debug({ attempt: event.attempt, delayMs: Math.round(event.delayMs) }, 'nmi retry');
        break;
      case 'cache':
        metrics.countTokenCache(event.result);
        break;
    }
  };
}

/**
 * Key Vault fetcher events → metrics and logs. Object names never reach a metric label; they appear
 * only in the incomplete-chain warning and the skipped-object info line (never a value).
 */
export function fetcherEventRecorder(metrics: DriverMetrics, parent: Logger): (event: FetcherEvent) => void {
  const logger = withCaller(parent, 'keyvault-fetcher');
  return (event) => {
    switch (event.type) {
      case 'request':
        metrics.observeKeyVaultRequest(event);
        logger.trace(
          {
            objectType: event.objectType,
            operation: event.operation,
            status: event.status,
            durationMs: event.durationMs,
          },
          'key vault request',
        );
        break;
      case 'coalesced':
        metrics.countCoalesced();
        break;
      case 'throttle-retry':
        metrics.countThrottleRetry();
        logger.debug({ delayMs: Math.round(event.delayMs) }, 'key vault throttled, retrying');
        break;
      case 'chain-incomplete':
        logger.warn(
          { objectName: event.objectName },
          'certificate chain is incomplete: writing the certificates found',
        );
        break;
      case 'object-skipped':
        metrics.countObjectSkipped(event.reason);
        logger.info(
          {
            objectIndex: event.objectIndex,
            objectType: event.objectType,
            objectName: event.objectName,
            reason: event.reason,
            code: event.code,
          },
          'optional object skipped',
        );
        break;
      case 'client-created':
        logger.debug('key vault clients created');
        break;
      case 'content-cache':
        metrics.countContentCache(event.result);
        break;
      case 'content-cache-size':
        metrics.setContentCacheSize(event.bytes, event.entries);
        break;
      case 'stale-served':
        // Once per object until a read of it succeeds again; the object name is configuration,
        // the failure text carries Key Vault's status and code, never a value.
        logger.warn(
          {
            objectType: event.objectType,
            objectName: event.objectName,
            vault: event.vaultHost,
            ageSeconds: Math.round(event.ageMs / 1000),
            error: event.failure,
          },
          'key vault read failed: serving the content fetched earlier (--content-cache-stale-on-error)',
        );
        break;
    }
  };
}
