import { credentials, Metadata } from '@grpc/grpc-js';
import { type Endpoint, grpcAddress } from '../config/endpoint.js';
import { HealthCheckResponse_ServingStatus, HealthClient } from '../generated/grpc/health/v1/health.js';
import type { HttpHandler } from './http-listener.js';
import { requestPath, sendText } from './http-request.js';

/**
 * The liveness probe: dials our own gRPC endpoint and calls Health/Check within the timeout. It never
 * looks at Key Vault, AAD or NMI: their failures must not restart the pod.
 */
export class HealthProbe {
  readonly #client: HealthClient;
  readonly #timeoutMs: number;

  constructor(endpoint: Endpoint, timeoutMs: number) {
    this.#client = new HealthClient(grpcAddress(endpoint, 'dial'), credentials.createInsecure());
    this.#timeoutMs = timeoutMs;
  }

  /** Resolves to undefined when healthy, else the reason. */
  check(): Promise<string | undefined> {
    return new Promise((resolve) => {
      const deadline = Date.now() + this.#timeoutMs;
      this.#client.check({ service: '' }, new Metadata(), { deadline }, (error, response) => {
        if (error) resolve(`health check failed: ${error.message}`);
        else if (response.status !== HealthCheckResponse_ServingStatus.SERVING) {
          resolve('expected health check response serving');
        } else resolve(undefined);
      });
    });
  }

  close(): void {
    this.#client.close();
  }
}

/**
 * HTTP handler: only `path` answers; 200 `ok` or 503 with the reason. Requests arriving while a
 * check is running share its answer, so a flood of probes makes one gRPC call, not one each.
 */
export function healthzHandler(path: string, probe: Pick<HealthProbe, 'check'>): HttpHandler {
  let running: Promise<string | undefined> | undefined;
  return async (request, response) => {
    if (requestPath(request.url) !== path) {
      sendText(response, 404, 'not found\n');
      return;
    }
    running ??= probe.check().finally(() => {
      running = undefined;
    });
    const reason = await running;
    if (reason === undefined) sendText(response, 200, 'ok');
    else sendText(response, 503, reason);
  };
}
