import { describe, expect, it } from 'vitest';
import { base32ExtendedHex, clusterIdFromDnsNames, sniNameForClusterId } from './sni-name.js';

describe('sniNameForClusterId', () => {
  it("matches the reference's test vectors", () => {
    expect(sniNameForClusterId('696995ccb303450001b31a18')).toBe(
      'aeaf29ip1hi5q38ebc3u4daum81u0unk52t5bg50j25234fmuj78g.ests.aks',
    );
    expect(sniNameForClusterId('abc123def456')).toBe(
      'avimke6u6l2eeq8qc1cneuaq4sl2e1av9t4clqgun97le32hub670.ests.aks',
    );
  });

  it('has a 53-character first label', () => {
    expect(sniNameForClusterId('x').split('.')[0]).toHaveLength(53);
  });
});

describe('base32ExtendedHex', () => {
  it('encodes the RFC 4648 test vectors without padding, lower case', () => {
    const cases: [string, string][] = [
      ['', ''],
      ['f', 'co'],
      ['fo', 'cpng'],
      ['foo', 'cpnmu'],
      ['foob', 'cpnmuog'],
      ['fooba', 'cpnmuoj1'],
      ['foobar', 'cpnmuoj1e8'],
    ];
    for (const [input, output] of cases) expect(base32ExtendedHex(Buffer.from(input))).toBe(output);
  });
});

describe('clusterIdFromDnsNames', () => {
  it('takes the first hcp-kubernetes.<id>.svc.cluster.local name', () => {
    expect(
      clusterIdFromDnsNames([
        'kubernetes.default.svc.cluster.local',
        'hcp-kubernetes.696995ccb303450001b31a18.svc.cluster.local',
        'hcp-kubernetes.other.svc.cluster.local',
      ]),
    ).toEqual({ ok: true, clusterId: '696995ccb303450001b31a18' });
  });

  it('names an empty cluster ID and a missing SAN with the reference texts', () => {
    expect(clusterIdFromDnsNames(['hcp-kubernetes..svc.cluster.local'])).toEqual({
      ok: false,
      reason: 'empty cluster ID in SAN "hcp-kubernetes..svc.cluster.local"',
    });
    expect(clusterIdFromDnsNames(['kubernetes.default.svc', 'hcp-kubernetes.x.example'])).toEqual({
      ok: false,
      reason:
        'cluster ID SAN not found in API server certificate (use --sni-name flag to provide SNI name explicitly)',
    });
  });
});
