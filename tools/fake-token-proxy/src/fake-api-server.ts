import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { issueServerCertificate, type TestCa } from './server-certificate.js';

export interface FakeApiServerOptions {
  /** The cluster CA (the daemon's `--token-proxy-ca-file`). */
  readonly ca: TestCa;
  /** Adds the SAN `hcp-kubernetes.<clusterId>.svc.cluster.local`; omitted: a certificate without one. */
  readonly clusterId?: string;
  /** More DNS names (the certificate always has `kubernetes.default.svc.cluster.local` and IP 127.0.0.1). */
  readonly dnsNames?: readonly string[];
}

/**
 * What the provider's SNI computation sees of an AKS API server: a TLS endpoint on 127.0.0.1 whose
 * certificate (signed by the cluster CA) carries the cluster ID in a
 * `hcp-kubernetes.<id>.svc.cluster.local` DNS name. It completes handshakes and closes; no HTTP.
 */
export class FakeApiServer {
  readonly #server: tls.Server;
  #connections = 0;

  private constructor(server: tls.Server) {
    this.#server = server;
  }

  static async start(options: FakeApiServerOptions): Promise<FakeApiServer> {
    const dnsNames = [
      'kubernetes.default.svc.cluster.local',
      ...(options.clusterId === undefined ? [] : [`hcp-kubernetes.${options.clusterId}.svc.cluster.local`]),
      ...(options.dnsNames ?? []),
    ];
    const { certPem, keyPem } = issueServerCertificate(options.ca, { dnsNames, ipAddresses: ['127.0.0.1'] });
    const server = tls.createServer({ cert: certPem, key: keyPem, minVersion: 'TLSv1.2' });
    const fake = new FakeApiServer(server);
    // Counted per TCP connection: a client may close right after its side of the handshake.
    server.on('connection', () => {
      fake.#connections += 1;
    });
    server.on('secureConnection', (socket) => {
      socket.on('error', () => undefined);
      socket.end();
    });
    server.on('tlsClientError', () => undefined);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return fake;
  }

  /** The daemon's `KUBERNETES_SERVICE_PORT`. */
  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  /** TCP connections accepted so far. */
  get connections(): number {
    return this.#connections;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
