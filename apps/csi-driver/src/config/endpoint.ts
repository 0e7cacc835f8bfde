/** Where the gRPC server listens: a unix socket path or a TCP host:port. */
export type Endpoint =
  | { readonly kind: 'unix'; readonly path: string }
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number };

export class EndpointError extends Error {
  override readonly name = 'EndpointError';
  readonly code = 'INVALID_ENDPOINT';
}

/**
 * Parses `--endpoint` like the reference: a `unix://` or `tcp://` prefix in any case, followed by a
 * non-empty address; anything else is `invalid endpoint: <ep>`.
 */
export function parseEndpoint(text: string): Endpoint {
  const lower = text.toLowerCase();
  const scheme = lower.startsWith('unix://') ? 'unix' : lower.startsWith('tcp://') ? 'tcp' : undefined;
  const address = scheme === undefined ? '' : text.slice(scheme.length + 3);
  if (scheme === undefined || address === '') throw new EndpointError(`invalid endpoint: ${text}`);
  if (scheme === 'unix') return { kind: 'unix', path: address };
  const colon = address.lastIndexOf(':');
  const portText = colon === -1 ? '' : address.slice(colon + 1);
  const port = Number(portText);
  if (!/^\d{1,5}$/.test(portText) || port > 65_535) throw new EndpointError(`invalid endpoint: ${text}`);
  return { kind: 'tcp', host: address.slice(0, colon).replace(/^\[(.*)\]$/, '$1'), port };
}

/**
 * Whether a `tcp://` host binds only the loopback interface: `localhost`, 127.0.0.0/8, `::1`
 * (also as an IPv4-mapped address). `""` (all interfaces) and every other name or address is not.
 */
export function isLoopbackHost(host: string): boolean {
  const lower = host.toLowerCase();
  if (lower === 'localhost' || lower === '::1' || lower === '0:0:0:0:0:0:0:1') return true;
  const v4 = lower.startsWith('::ffff:') ? lower.slice('::ffff:'.length) : lower;
  const octets = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(v4);
  if (!octets) return false;
  return octets[1] === '127' && octets.slice(2).every((o) => Number(o) <= 255);
}

/** The target string grpc-js binds to or dials. */
export function grpcAddress(endpoint: Endpoint, purpose: 'bind' | 'dial'): string {
  if (endpoint.kind === 'unix') return `unix:${endpoint.path}`;
  const host = endpoint.host === '' ? (purpose === 'bind' ? '0.0.0.0' : '127.0.0.1') : endpoint.host;
  return `${host.includes(':') ? `[${host}]` : host}:${endpoint.port}`;
}

export function formatEndpoint(endpoint: Endpoint): string {
  return endpoint.kind === 'unix' ? `unix://${endpoint.path}` : `tcp://${endpoint.host}:${endpoint.port}`;
}
