import type { MissNotes } from './bench-report.js';

const PER_POD_IDENTITY =
  'Cause: the daemon keys the fetcher by a per-pod identity (`apps/csi-driver/src/mount/identity-key.ts`: mode, pod namespace/name/uid, client id, vault), so requests are coalesced and SDK clients cached per pod only: 200 pods = 200 SDK clients, 200 challenges, 2,000 GETs (the fetcher alone coalesces the same burst to 10 GETs and 1 challenge, docs/bench/keyvault-fetcher.md). ' +
  'Proposed fix: keep one NMI call per pod (NMI decides whether the pod holds the identity), then key coalescing and SDK clients by the identity NMI answered for (`clientid` of the NMI response / `appid` of the token, tenant, vault): pods holding the same identity have the same Key Vault access, so sharing is safe. Needs nmi-client to return the resolved client id with the token and the daemon to build identityKey from it.';

const PROXY_TUNNELS =
  'Cause: through `HTTPS_PROXY` the Azure SDK pipeline (core-rest-pipeline proxy policy → https-proxy-agent) opens a new CONNECT tunnel and TLS handshake for every request (tunnels = requests in the burst rows), so a 50-secret mount is 50 handshakes on both ends, CPU-bound on 2 cores. A keep-alive `HttpsProxyAgent` passed as the client `agent` did not reuse tunnels either (tried). ' +
  'Proposed fix (prototyped in a scratch script against the emulator): give the SDK clients one shared `httpClient` built on undici’s `ProxyAgent` (pooled tunnels, undici is already a csi-driver dependency) when a proxy is configured: 50 concurrent GETs 987 → 178 ms, one GET 46 → 27 ms, tunnels 255 → 14, CPU (both ends) 1.81 → 0.60 s. Without a proxy the SDK already keeps connections alive.';

const MEMORY =
  'Cause (heap snapshot and /metrics of a 200-pod burst): the live heap after GC is ~25 MiB, but V8 lets garbage pile up before collecting (heapUsed 98 MiB just before the snapshot) and RSS follows; the garbage is mostly the per-request TLS handshakes and responses of 2,200 tunnels, and the live part grows with the 200 per-pod SDK clients. Idle RSS is ~61 MiB, so only ~40 MiB of headroom remain below 100 MiB. ' +
  'Proposed fixes: the two above (one SDK client per identity instead of per pod; pooled tunnels) remove most of the allocation, and the chart should add `--max-semi-space-size=2` next to `--max-old-space-size` (measured on the 200-pod burst: RSS 133 → 121 MiB with the 64 MiB cap; 106 MiB with `--max-old-space-size=48 --max-semi-space-size=1`). Until then the chart’s 100Mi limit is too low for a 200-pod burst through a proxy (deployment.md §7: raise it to the measured peak plus margin).';

const ROTATION =
  'Same cause and fix as the first burst’s GETs above. Besides, content caching is off by default (`--content-cache-ttl` is accepted but not implemented), so every rotation poll fetches every object: after the fix a rotation poll of this burst would be 10 GETs.';

/**
 * What was found about each target the last full run missed: cause and proposed fix. Keyed by figure
 * id; only printed when that figure misses.
 */
export const MISS_NOTES: MissNotes = {
  'startup.ms':
    'Start-up is module loading (grpc-js, pino, prom-client; the Azure SDKs load on the first Mount) and is CPU-bound: ~430 ms on an idle core, more when the machine is loaded by other work (load average above).',
  'capped.startupMs':
    'Pinned to one CPU (`taskset -c 0`) while the fake NMI and the emulator run on the same machine: start-up is CPU-bound module loading, so it stretches with the share of that CPU it gets. (At 50m CPU in Kubernetes it would take longer still; the chart’s liveness probe starts later.)',
  'latency.ratio': PROXY_TUNNELS,
  'burst.keyVaultRequests': PER_POD_IDENTITY,
  'burst.rotation.keyVaultRequests': ROTATION,
  'capped.keyVaultRequests': PER_POD_IDENTITY,
  'capped.rotation.keyVaultRequests': ROTATION,
  'memory.burstPeakRssMiB': MEMORY,
  'memory.throughputPeakRssMiB':
    'Same causes and fixes as the burst peak above; the throughput run (10,000 proxied GETs, a tunnel and TLS handshake each, for 100 pods) allocates the most.',
  'capped.peakRssMiB': MEMORY,
};
