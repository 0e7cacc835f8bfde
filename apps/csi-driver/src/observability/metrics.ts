import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** The reference's buckets (seconds), kept so existing dashboards still work. */
export const REFERENCE_BUCKETS = [0.1, 0.2, 0.3, 0.4, 0.5, 1, 1.5, 2, 2.5, 3, 5, 10, 15, 30];

// Constant labels the reference puts on both histograms (OpenTelemetry attributes `provider`,
// `os_type`, `service.name`, exported as `service_name`), plus the exporter's scope label.
const PROVIDER = 'azure';
const OS_TYPE = process.platform === 'win32' ? 'windows' : 'linux';
const SERVICE_NAME = 'csi-secrets-store-provider-azure';
const REFERENCE_LABELS = {
  provider: PROVIDER,
  os_type: OS_TYPE,
  service_name: SERVICE_NAME,
  otel_scope_name: SERVICE_NAME,
} as const;
type ReferenceLabel = keyof typeof REFERENCE_LABELS;
const REFERENCE_LABEL_NAMES = Object.keys(REFERENCE_LABELS) as ReferenceLabel[];

/**
 * gRPC code names as Go's `codes.Code.String()` spells them, which the reference writes into
 * `grpc_code` (`OK`, `NotFound`, `Canceled`, …), keyed by the upper-case name grpc-js uses.
 */
const GO_CODE_NAMES: ReadonlyMap<string, string> = new Map([
  ['OK', 'OK'],
  ['CANCELLED', 'Canceled'],
  ['UNKNOWN', 'Unknown'],
  ['INVALID_ARGUMENT', 'InvalidArgument'],
  ['DEADLINE_EXCEEDED', 'DeadlineExceeded'],
  ['NOT_FOUND', 'NotFound'],
  ['ALREADY_EXISTS', 'AlreadyExists'],
  ['PERMISSION_DENIED', 'PermissionDenied'],
  ['RESOURCE_EXHAUSTED', 'ResourceExhausted'],
  ['FAILED_PRECONDITION', 'FailedPrecondition'],
  ['ABORTED', 'Aborted'],
  ['OUT_OF_RANGE', 'OutOfRange'],
  ['UNIMPLEMENTED', 'Unimplemented'],
  ['INTERNAL', 'Internal'],
  ['UNAVAILABLE', 'Unavailable'],
  ['DATA_LOSS', 'DataLoss'],
  ['UNAUTHENTICATED', 'Unauthenticated'],
]);

/** `grpc_code` for a grpc-js code name: Go's spelling, `Unknown` for anything else. */
export function goCodeName(codeName: string): string {
  return GO_CODE_NAMES.get(codeName) ?? 'Unknown';
}

/**
 * Key Vault outcomes the fetcher reports; anything else is counted as `other`. The reference's
 * `error` label held the whole error text (unbounded); ours holds this kind, "" on success.
 */
const KEYVAULT_STATUSES = new Set([
  'ok',
  'not_found',
  'forbidden',
  'unauthorized',
  'throttled',
  'network',
  'timeout',
  'other',
]);
const OBJECT_TYPES = new Set(['secret', 'key', 'cert']);
/** Identity modes of `mount_total`; `unknown` when the request failed before its mode was known. */
const IDENTITY_MODES = new Set([
  'PodIdentity',
  'ServicePrincipal',
  'WorkloadIdentity',
  'VMManagedIdentity',
  'AzureTokenProxy',
]);
const GRPC_METHODS = new Set([
  '/v1alpha1.CSIDriverProvider/Version',
  '/v1alpha1.CSIDriverProvider/Mount',
  '/grpc.health.v1.Health/Check',
  '/grpc.health.v1.Health/List',
  '/grpc.health.v1.Health/Watch',
]);

export interface KeyVaultRequestObservation {
  readonly objectType: string;
  readonly operation: string;
  readonly status: string;
  readonly durationMs: number;
}

/**
 * Every metric of the daemon, in its own registry (never prom-client's global one). Label values are
 * drawn from fixed sets: anything unexpected becomes `other`, so cardinality stays bounded whatever the
 * libraries or the requests send.
 */
export class DriverMetrics {
  readonly registry = new Registry();
  readonly #keyvaultRequest: Histogram<'object_type' | 'operation' | 'error' | ReferenceLabel>;
  readonly #grpcRequest: Histogram<'grpc_method' | 'grpc_code' | ReferenceLabel>;
  readonly #nmiRequest: Histogram<'status'>;
  readonly #nmiRetries: Counter;
  readonly #tokenCache: Counter<'result'>;
  readonly #coalesced: Counter;
  readonly #throttleRetries: Counter;
  readonly #objectsSkipped: Counter<'reason'>;
  readonly #mountsInFlight: Gauge;
  readonly #mounts: Counter<'outcome' | 'mode'>;
  readonly #contentCache: Counter<'result'>;
  readonly #contentCacheBytes: Gauge;
  readonly #contentCacheEntries: Gauge;

  constructor(options: { readonly processMetrics?: boolean } = {}) {
    const registers = [this.registry];
    this.#keyvaultRequest = new Histogram({
      name: 'keyvault_request',
      help: 'Duration of Key Vault requests (get, version list and wildcard secret list) in seconds',
      labelNames: ['object_type', 'operation', 'error', ...REFERENCE_LABEL_NAMES],
      buckets: REFERENCE_BUCKETS,
      registers,
    });
    this.#grpcRequest = new Histogram({
      name: 'grpc_request',
      help: 'Duration of unary gRPC requests in seconds',
      labelNames: ['grpc_method', 'grpc_code', ...REFERENCE_LABEL_NAMES],
      buckets: REFERENCE_BUCKETS,
      registers,
    });
    this.#nmiRequest = new Histogram({
      name: 'nmi_request',
      help: 'Duration of NMI token requests in seconds, by HTTP status (or network/timeout/aborted)',
      labelNames: ['status'],
      buckets: REFERENCE_BUCKETS,
      registers,
    });
    this.#nmiRetries = new Counter({ name: 'nmi_retries_total', help: 'NMI requests retried', registers });
    this.#tokenCache = new Counter({
      name: 'token_cache_total',
      help: 'Token lookups by result: hit, miss, shared (joined an in-flight request)',
      labelNames: ['result'],
      registers,
    });
    this.#coalesced = new Counter({
      name: 'keyvault_coalesced_requests_total',
      help: 'Key Vault requests answered by an identical request already in flight',
      registers,
    });
    this.#throttleRetries = new Counter({
      name: 'keyvault_throttle_retries_total',
      help: 'Key Vault requests retried after a 429',
      registers,
    });
    this.#objectsSkipped = new Counter({
      name: 'keyvault_objects_skipped_total',
      help: 'Optional objects left out of a mount, by reason: not_found, forbidden, disabled',
      labelNames: ['reason'],
      registers,
    });
    this.#mountsInFlight = new Gauge({
      name: 'mounts_in_flight',
      help: 'Mount calls being served',
      registers,
    });
    this.#mounts = new Counter({
      name: 'mount_total',
      help: 'Mount calls by outcome (gRPC code name) and identity mode',
      labelNames: ['outcome', 'mode'],
      registers,
    });
    this.#contentCache = new Counter({
      name: 'keyvault_content_cache_total',
      help: 'Content cache lookups by result: hit (no Key Vault request), miss, stale (a failed read served from an older entry)',
      labelNames: ['result'],
      registers,
    });
    this.#contentCacheBytes = new Gauge({
      name: 'keyvault_content_cache_bytes',
      help: 'Estimated size of the content cache in bytes',
      registers,
    });
    this.#contentCacheEntries = new Gauge({
      name: 'keyvault_content_cache_entries',
      help: 'Entries in the content cache',
      registers,
    });
    registerEventLoopDelay(registers);
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  observeKeyVaultRequest(observation: KeyVaultRequestObservation): void {
    this.#keyvaultRequest.observe(
      {
        object_type: OBJECT_TYPES.has(observation.objectType) ? observation.objectType : 'other',
        operation: observation.operation === 'list' ? 'list' : 'get',
        error:
          observation.status === 'ok'
            ? ''
            : KEYVAULT_STATUSES.has(observation.status)
              ? observation.status
              : 'other',
        ...REFERENCE_LABELS,
      },
      observation.durationMs / 1000,
    );
  }

  observeGrpcRequest(method: string, codeName: string, durationMs: number): void {
    this.#grpcRequest.observe(
      {
        grpc_method: GRPC_METHODS.has(method) ? method : 'other',
        grpc_code: goCodeName(codeName),
        ...REFERENCE_LABELS,
      },
      durationMs / 1000,
    );
  }

  observeNmiRequest(status: number | string, durationMs: number): void {
    const label =
      typeof status === 'number'
        ? Number.isInteger(status) && status >= 100 && status <= 599
          ? String(status)
          : 'other'
        : status === 'network' || status === 'timeout' || status === 'aborted'
          ? status
          : 'other';
    this.#nmiRequest.observe({ status: label }, durationMs / 1000);
  }

  countNmiRetry(): void {
    this.#nmiRetries.inc();
  }

  countTokenCache(result: string): void {
    this.#tokenCache.inc({
      result: result === 'hit' || result === 'miss' || result === 'shared' ? result : 'other',
    });
  }

  countCoalesced(): void {
    this.#coalesced.inc();
  }

  countThrottleRetry(): void {
    this.#throttleRetries.inc();
  }

  countObjectSkipped(reason: string): void {
    this.#objectsSkipped.inc({
      reason: reason === 'not_found' || reason === 'forbidden' || reason === 'disabled' ? reason : 'other',
    });
  }

  mountStarted(): void {
    this.#mountsInFlight.inc();
  }

  mountFinished(codeName: string, mode?: string): void {
    this.#mountsInFlight.dec();
    this.#mounts.inc({
      outcome: /^[A-Z_]{2,20}$/.test(codeName) ? codeName : 'UNKNOWN',
      mode: mode !== undefined && IDENTITY_MODES.has(mode) ? mode : 'unknown',
    });
  }

  countContentCache(result: string): void {
    this.#contentCache.inc({
      result: result === 'hit' || result === 'miss' || result === 'stale' ? result : 'other',
    });
  }

  setContentCacheSize(bytes: number, entries: number): void {
    this.#contentCacheBytes.set(bytes);
    this.#contentCacheEntries.set(entries);
  }

  exposition(): Promise<string> {
    return this.registry.metrics();
  }
}

/**
 * `event_loop_delay_seconds{quantile}`: how late the event loop ran timers since the previous
 * scrape (perf_hooks.monitorEventLoopDelay, 10 ms resolution), quantiles 0.5, 0.99 and 1 (max). Any
 * main-thread work of one request (parsing, converting) delays every other mount and health probe.
 */
function registerEventLoopDelay(registers: Registry[]): void {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  new Gauge({
    name: 'event_loop_delay_seconds',
    help: 'Event-loop delay since the previous scrape in seconds, by quantile (1 = the longest)',
    labelNames: ['quantile'],
    registers,
    collect() {
      // No sample yet (fresh histogram) reads as 0 rather than NaN.
      const seconds = (nanoseconds: number) => (Number.isFinite(nanoseconds) ? nanoseconds / 1e9 : 0);
      const empty = delay.count === 0;
      this.set({ quantile: '0.5' }, empty ? 0 : seconds(delay.percentile(50)));
      this.set({ quantile: '0.99' }, empty ? 0 : seconds(delay.percentile(99)));
      this.set({ quantile: '1' }, empty ? 0 : seconds(delay.max));
      delay.reset();
    },
  });
}
