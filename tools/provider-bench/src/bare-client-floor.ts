import { readFileSync } from 'node:fs';
import { issueTestToken } from '@keyvault-csi/test-tokens';
import { ProxyAgent, request } from 'undici';

export interface FloorOptions {
  /** The emulator's CONNECT proxy (`HTTPS_PROXY` of the daemon). */
  readonly proxyUrl: string;
  readonly caCertPath: string;
  readonly vault: string;
  readonly secretNames: readonly string[];
  readonly clientId: string;
  readonly http2: boolean;
}

export interface FloorTimes {
  /** A new client: CONNECT, TLS handshake(s), then every GET at once. */
  readonly coldMs: number;
  /** The same client again: the GETs only. */
  readonly warmMs: number;
}

/**
 * The physical limit a mount is measured against: a bare undici client that already holds a valid
 * token sends the same GETs through the same proxy to the same double, all at once, and reads the
 * bodies; no SDK, no challenge, no conversion, no gRPC. Over HTTP/2 a cold run is one tunnel and one
 * handshake; over HTTP/1.1 one per concurrent request.
 */
export async function measureBareClientFloor(options: FloorOptions): Promise<FloorTimes> {
  const ca = readFileSync(options.caCertPath, 'utf8');
  const { token } = issueTestToken({ audience: 'https://vault.azure.net', clientId: options.clientId });
  const agent = new ProxyAgent({
    uri: options.proxyUrl,
    // h2: one connection carrying every request (undici holds a connection busy after `pipelining`
    // requests whatever the protocol); HTTP/1.1: one connection per concurrent request.
    ...(options.http2
      ? { connections: 1, allowH2: true, pipelining: 100 }
      : { connections: options.secretNames.length }),
    requestTls: { ca, ...(options.http2 ? { allowH2: true } : {}) },
  });
  const origin = `https://${options.vault}.vault.azure.net`;
  const all = () =>
    Promise.all(
      options.secretNames.map(async (name) => {
        const response = await request(`${origin}/secrets/${name}/?api-version=7.6`, {
          dispatcher: agent,
          headers: { authorization: `Bearer ${token}` },
        });
        const body = await response.body.text();
        if (response.statusCode !== 200) throw new Error(`floor GET ${name}: ${response.statusCode} ${body}`);
      }),
    );
  try {
    let started = performance.now();
    await all();
    const coldMs = performance.now() - started;
    started = performance.now();
    await all();
    return { coldMs, warmMs: performance.now() - started };
  } finally {
    await agent.close();
  }
}
