import { isIP } from 'node:net';
import tls from 'node:tls';

export interface ApiServerProbeOptions {
  /** `kubernetes.default.svc.cluster.local` in a cluster. */
  readonly host: string;
  readonly port: number;
  /** PEM certificates the API server's certificate must chain to. */
  readonly ca: readonly string[];
  /** Connect and handshake together (the reference dials with 10 s). */
  readonly timeoutMs: number;
}

/**
 * Opens one TLS connection to the API server (TLS 1.2 or later, normal host name verification
 * against `host` with the cluster CA) and returns the DNS names of its certificate, then closes.
 * Throws Error `TLS connect to API server: <cause>` or `no certificates presented by API server`.
 */
export function apiServerDnsNames(options: ApiServerProbeOptions): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host: options.host,
      port: options.port,
      ca: [...options.ca],
      minVersion: 'TLSv1.2',
      // An IP address is not a valid SNI value; verification still checks it against IP SANs.
      ...(isIP(options.host) === 0 ? { servername: options.host } : {}),
    });
    const timer = setTimeout(
      () => fail(new Error(`dial tcp ${options.host}:${options.port}: i/o timeout`)),
      options.timeoutMs,
    );
    function fail(error: Error): void {
      clearTimeout(timer);
      socket.destroy();
      reject(new Error(`TLS connect to API server: ${error.message}`));
    }
    socket.once('error', fail);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      const certificate = socket.getPeerCertificate();
      socket.end();
      socket.destroy();
      if (certificate === null || Object.keys(certificate).length === 0) {
        reject(new Error('no certificates presented by API server'));
        return;
      }
      resolve(dnsNamesOf(certificate.subjectaltname ?? ''));
    });
  });
}

/** `DNS:a, DNS:b, IP Address:1.2.3.4` → `[a, b]`. */
function dnsNamesOf(subjectAltName: string): string[] {
  return subjectAltName
    .split(', ')
    .filter((entry) => entry.startsWith('DNS:'))
    .map((entry) => entry.slice('DNS:'.length));
}
