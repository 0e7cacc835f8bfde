import type { IncomingMessage, ServerResponse } from 'node:http';
import { credentials, Metadata } from '@grpc/grpc-js';
import { type Endpoint, grpcAddress } from '../config/endpoint.js';
import { HealthCheckResponse_ServingStatus, HealthClient } from '../generated/grpc/health/v1/health.js';

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

/** HTTP handler: only `path` answers; 200 `ok` or 503 with the reason. */
export function healthzHandler(path: string, probe: HealthProbe) {
  return (request: IncomingMessage, response: ServerResponse): void => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== path) {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    void probe.check().then((reason) => {
      if (reason === undefined)
        response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('ok');
      else response.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' }).end(reason);
    });
  };
}
