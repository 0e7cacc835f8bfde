import { createHash } from 'node:crypto';

/** RFC 4648 §7 "base32hex" alphabet (0-9, A-V), the one the reference encodes with. */
const BASE32_EXTENDED_HEX = '0123456789abcdefghijklmnopqrstuv';

const CLUSTER_ID_SAN_PREFIX = 'hcp-kubernetes.';
const CLUSTER_ID_SAN_SUFFIX = '.svc.cluster.local';

/**
 * The TLS server name of the AKS token proxy for a cluster, as the reference computes it:
 * `"a"` + lower-case base32hex (no padding) of SHA-256(`"identity-binding"` + clusterId) + `".ests.aks"`.
 * The first label is 53 characters, under DNS's 63.
 */
export function sniNameForClusterId(clusterId: string): string {
  const digest = createHash('sha256').update(`identity-binding${clusterId}`, 'utf8').digest();
  return `a${base32ExtendedHex(digest)}.ests.aks`;
}

/** Unpadded, lower-case base32hex of `bytes`. */
export function base32ExtendedHex(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += BASE32_EXTENDED_HEX[(buffer >> bits) & 31];
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32_EXTENDED_HEX[(buffer << (5 - bits)) & 31];
  return out;
}

export type ClusterIdResult =
  | { readonly ok: true; readonly clusterId: string }
  | { readonly ok: false; readonly reason: string };

/**
 * The cluster ID from the API server certificate's DNS names: the first one of the form
 * `hcp-kubernetes.<id>.svc.cluster.local`. The reasons are the reference's texts.
 */
export function clusterIdFromDnsNames(dnsNames: readonly string[]): ClusterIdResult {
  const san = dnsNames.find(
    (name) => name.startsWith(CLUSTER_ID_SAN_PREFIX) && name.endsWith(CLUSTER_ID_SAN_SUFFIX),
  );
  if (san === undefined) {
    return {
      ok: false,
      reason:
        'cluster ID SAN not found in API server certificate (use --sni-name flag to provide SNI name explicitly)',
    };
  }
  // `hcp-kubernetes.svc.cluster.local` matches both ends with nothing (or a dot) between them.
  const clusterId =
    san.length >= CLUSTER_ID_SAN_PREFIX.length + CLUSTER_ID_SAN_SUFFIX.length
      ? san.slice(CLUSTER_ID_SAN_PREFIX.length, san.length - CLUSTER_ID_SAN_SUFFIX.length)
      : '';
  if (clusterId === '') return { ok: false, reason: `empty cluster ID in SAN "${san}"` };
  return { ok: true, clusterId };
}
