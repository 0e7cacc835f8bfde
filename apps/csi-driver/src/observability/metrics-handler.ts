import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DriverMetrics } from './metrics.js';

/** Serves only `/metrics` (the reference also exposed pprof there by accident). */
export function metricsHandler(metrics: DriverMetrics) {
  return (request: IncomingMessage, response: ServerResponse): void => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    metrics.exposition().then(
      (text) => response.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
      (error: unknown) =>
        response
          .writeHead(500, { 'content-type': 'text/plain; charset=utf-8' })
          .end(`metrics collection failed: ${error instanceof Error ? error.message : String(error)}\n`),
    );
  };
}
