import type { HttpHandler } from './http-listener.js';
import { requestPath, sendText } from './http-request.js';
import type { DriverMetrics } from './metrics.js';

/** Serves only `/metrics` (the reference also exposed pprof there by accident). */
export function metricsHandler(metrics: Pick<DriverMetrics, 'exposition' | 'registry'>): HttpHandler {
  return async (request, response) => {
    if (requestPath(request.url) !== '/metrics') {
      sendText(response, 404, 'not found\n');
      return;
    }
    let text: string;
    try {
      text = await metrics.exposition();
    } catch (error) {
      sendText(
        response,
        500,
        `metrics collection failed: ${error instanceof Error ? error.message : String(error)}\n`,
      );
      return;
    }
    if (response.destroyed) return;
    response.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text);
  };
}
