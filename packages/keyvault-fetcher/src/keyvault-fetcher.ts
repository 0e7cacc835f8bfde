import { performance } from 'node:perf_hooks';
import type { TokenCredential } from '@azure/core-auth';
import { KeyVaultObjectError, MountFetchError, type ObjectFetchFailure } from './errors.js';
import type { KeyVaultObject, ObjectType } from './key-vault-object.js';
import type { FetcherEvent, KeyVaultFetcherOptions } from './options.js';
import {
  certificateBundleBytes,
  keyBundleBytes,
  secretBundleBytes,
  toCertificateBundle,
  toKeyBundle,
  toSecretBundle,
  versionListBytes,
} from './private/cached-bundles.js';
import { classifyFailure, type FailedStep, requestStatus } from './private/classify-error.js';
import { ConcurrencyLimiter } from './private/concurrency-limiter.js';
import { ContentCache } from './private/content-cache.js';
import { LruMap } from './private/lru-map.js';
import { MountSignal } from './private/mount-signal.js';
import {
  type ConversionOptions,
  certificateContent,
  keyContent,
  type ObjectContent,
  secretContent,
} from './private/object-content.js';
import { DEFAULT_H2_PING_INTERVAL_MS } from './private/proxy-dispatcher.js';
import { type ListedVersion, selectVersions } from './private/select-versions.js';
import { SharedTransport } from './private/shared-transport.js';
import { SingleFlight } from './private/single-flight.js';
import { abortableSleep, withThrottleRetry } from './private/throttle-retry.js';
import { type GatedClient, VaultClients } from './private/vault-clients.js';

export interface FetchRequest {
  /** e.g. `https://kv-shop.vault.azure.net/` (MountPlan.vaultUrl). */
  readonly vaultUrl: string;
  /** In SecretProviderClass order. */
  readonly objects: readonly KeyVaultObject[];
  /** This mount's credential; it may carry the mount's deadline. */
  readonly credential: TokenCredential;
  /**
   * Who the credential's tokens belong to (e.g. tenant + client id). Clients and in-flight requests
   * are shared only between fetches with the same identityKey: never reuse one for two identities.
   */
  readonly identityKey: string;
  readonly abortSignal?: AbortSignal;
  /** Epoch ms after which the mount is abandoned. */
  readonly deadline?: number;
}

export interface MountFile {
  /** Relative path: `objectAlias` or `objectName`, plus `/<i>` in history mode and `.crt`/`.key` for split files. */
  readonly path: string;
  readonly mode: number;
  readonly contents: Uint8Array;
}

export interface ObjectVersion {
  /** `<objectType>/<objectName>`, or `<objectType>/<objectName>/<i>` in history mode. */
  readonly id: string;
  readonly version: string;
}

export interface FetchResult {
  readonly files: MountFile[];
  readonly objectVersions: ObjectVersion[];
}

type Collection = 'secrets' | 'keys' | 'certificates';
type Operation = 'get' | 'list';

const COLLECTIONS: Record<ObjectType, Collection> = { secret: 'secrets', key: 'keys', cert: 'certificates' };

/** extensions §7: 16 MiB unless `contentCache.maxBytes` says otherwise. */
const DEFAULT_CONTENT_CACHE_BYTES = 16 * 1024 * 1024;

interface Mount {
  readonly vaultKey: string;
  readonly vaultHost: string;
  readonly identityKey: string;
  readonly clients: VaultClients;
  readonly signal: MountSignal;
  /** Whether a token request was in flight when the mount's signal aborted (deadline or caller). */
  readonly tokenPendingAtAbort: () => boolean;
}

interface ObjectResult {
  readonly files: MountFile[];
  readonly versions: ObjectVersion[];
}

/**
 * Fetches a mount's objects from Key Vault with the official SDKs and turns them into file bytes
 * exactly as the reference provider writes them. One instance per process: it caches SDK clients
 * per (vault, identity), limits concurrent requests per vault and coalesces identical in-flight
 * requests of the same identity.
 */
export class KeyVaultFetcher {
  readonly #conversion: ConversionOptions;
  readonly #maxConcurrency: number;
  readonly #clients: LruMap<string, VaultClients>;
  readonly #limiters = new Map<string, ConcurrencyLimiter>();
  readonly #flights = new SingleFlight<unknown>();
  readonly #credentialErrors = new WeakSet<object>();
  readonly #options: KeyVaultFetcherOptions;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly #transport: SharedTransport;
  readonly #contentCache: ContentCache;
  #closed = false;

  constructor(options: KeyVaultFetcherOptions = {}) {
    this.#options = options;
    this.#conversion = {
      constructPemChain: options.constructPemChain ?? true,
      writeCertAndKeyInSeparateFiles: options.writeCertAndKeyInSeparateFiles ?? false,
    };
    this.#maxConcurrency = options.maxConcurrency ?? 64;
    new ConcurrencyLimiter(this.#maxConcurrency); // validates the option up front
    this.#clients = new LruMap(options.maxCachedClients ?? 256);
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
    this.#sleep = options.sleep ?? abortableSleep;
    this.#contentCache = new ContentCache(
      {
        ttlMs: options.contentCache?.ttlMs ?? 0,
        staleOnErrorMs: options.contentCache?.staleOnErrorMs ?? 0,
        maxBytes: options.contentCache?.maxBytes ?? DEFAULT_CONTENT_CACHE_BYTES,
      },
      this.#now,
    );
    this.#transport = new SharedTransport(options.transport ?? 'undici', options.clientOptions ?? {}, {
      connectionsPerOrigin: this.#maxConcurrency,
      httpVersion: options.httpVersion ?? '2',
      pingIntervalMs: options.http2PingIntervalMs ?? DEFAULT_H2_PING_INTERVAL_MS,
    });
  }

  /**
   * Closes the pooled Key Vault connections once their in-flight requests have finished and drops
   * the cached SDK clients; later `fetch` calls reject. Idempotent.
   */
  async close(): Promise<void> {
    this.#closed = true;
    this.#clients.clear();
    this.#contentCache.clear();
    await this.#transport.close();
  }

  /**
   * All files and object versions of one mount, or a MountFetchError listing every failing object.
   */
  async fetch(request: FetchRequest): Promise<FetchResult> {
    if (this.#closed) throw new Error('KeyVaultFetcher is closed');
    const url = new URL(request.vaultUrl);
    const vaultKey = url.href.replace(/\/+$/, '');
    const clients = this.#clients.getOrCreate(
      JSON.stringify([vaultKey, request.identityKey]),
      () =>
        new VaultClients(vaultKey, {
          clientOptions: this.#options.clientOptions ?? {},
          userAgentPrefix: this.#options.userAgentPrefix,
          httpClient: () => this.#transport.httpClient(),
          onCredentialError: (error) => {
            if (typeof error === 'object' && error !== null) this.#credentialErrors.add(error);
          },
          onClientCreated: () => this.#emit({ type: 'client-created' }),
        }),
    );
    const signal = new MountSignal({
      abortSignal: request.abortSignal,
      deadline: request.deadline,
      now: this.#now,
    });
    const release = clients.lease(request.credential);
    // Read at the abort itself: the token request settles (and stops being pending) right after.
    let tokenPendingAtAbort = false;
    signal.signal.addEventListener(
      'abort',
      () => {
        tokenPendingAtAbort = clients.tokenPending;
      },
      { once: true },
    );
    const mount: Mount = {
      vaultKey,
      vaultHost: url.host,
      identityKey: request.identityKey,
      clients,
      signal,
      tokenPendingAtAbort: () => tokenPendingAtAbort,
    };
    try {
      const outcomes = await Promise.all(
        request.objects.map((object) =>
          this.#fetchObject(mount, object).then(
            (result) => ({ object, result }),
            (error: unknown) => ({ object, error: this.#asObjectError(error) }),
          ),
        ),
      );
      const failures: ObjectFetchFailure[] = [];
      const files: MountFile[] = [];
      const objectVersions: ObjectVersion[] = [];
      for (const outcome of outcomes) {
        if ('error' in outcome) failures.push({ object: outcome.object, error: outcome.error });
        else {
          files.push(...outcome.result.files);
          objectVersions.push(...outcome.result.versions);
        }
      }
      if (failures.length > 0) throw new MountFetchError(failures);
      return { files, objectVersions };
    } finally {
      release();
      signal.dispose();
    }
  }

  async #fetchObject(mount: Mount, object: KeyVaultObject): Promise<ObjectResult> {
    if (object.objectVersionHistory > 1) return this.#fetchHistory(mount, object);
    const version = object.objectVersion === 'latest' ? '' : object.objectVersion;
    const content = await this.#getContent(mount, object, version);
    return {
      files: content.files.map((f) => ({
        path: object.fileName + f.suffix,
        mode: object.fileMode,
        contents: f.contents,
      })),
      versions: [{ id: `${object.objectType}/${object.objectName}`, version: content.version }],
    };
  }

  async #fetchHistory(mount: Mount, object: KeyVaultObject): Promise<ObjectResult> {
    const step = this.#step(mount, object, 'list', '');
    let versions: string[];
    try {
      const listed = await this.#listVersions(mount, object);
      versions = selectVersions(listed, object.objectVersion, object.objectVersionHistory);
    } catch (error) {
      throw this.#classify(error, step, mount);
    }
    const contents = await Promise.all(versions.map((version) => this.#getContent(mount, object, version)));
    const files: MountFile[] = [];
    const objectVersions: ObjectVersion[] = [];
    for (const [i, content] of contents.entries()) {
      for (const f of content.files) {
        files.push({
          path: `${object.fileName}/${i}${f.suffix}`,
          mode: object.fileMode,
          contents: f.contents,
        });
      }
      objectVersions.push({ id: `${object.objectType}/${object.objectName}/${i}`, version: content.version });
    }
    return { files, versions: objectVersions };
  }

  async #getContent(mount: Mount, object: KeyVaultObject, version: string): Promise<ObjectContent> {
    const step = this.#step(mount, object, 'get', version);
    try {
      const content = await this.#convert(mount, object, version);
      if (!content.chainComplete) this.#emit({ type: 'chain-incomplete', objectName: object.objectName });
      return content;
    } catch (error) {
      throw this.#classify(error, step, mount);
    }
  }

  async #convert(mount: Mount, object: KeyVaultObject, version: string): Promise<ObjectContent> {
    const name = object.objectName;
    const v = version || undefined;
    const clients = mount.clients;
    switch (object.objectType) {
      case 'secret': {
        const secret = await this.#request(
          mount,
          object,
          'get',
          version,
          clients.secrets,
          (client, abortSignal) => client.getSecret(name, { version: v, abortSignal }).then(toSecretBundle),
          secretBundleBytes,
        );
        return secretContent(secret, object, this.#conversion);
      }
      case 'key': {
        const key = await this.#request(
          mount,
          object,
          'get',
          version,
          clients.keys,
          (client, abortSignal) => client.getKey(name, { version: v, abortSignal }).then(toKeyBundle),
          keyBundleBytes,
        );
        return keyContent(key);
      }
      case 'cert': {
        const certificate = await this.#request(
          mount,
          object,
          'get',
          version,
          clients.certificates,
          (client, abortSignal) =>
            (version
              ? client.getCertificateVersion(name, version, { abortSignal })
              : client.getCertificate(name, { abortSignal })
            ).then(toCertificateBundle),
          certificateBundleBytes,
        );
        return certificateContent(certificate);
      }
    }
  }

  #listVersions(mount: Mount, object: KeyVaultObject): Promise<ListedVersion[]> {
    const name = object.objectName;
    const clients = mount.clients;
    switch (object.objectType) {
      case 'secret':
        return this.#request(
          mount,
          object,
          'list',
          '',
          clients.secrets,
          (client, abortSignal) =>
            collectVersions(client.listPropertiesOfSecretVersions(name, { abortSignal })),
          versionListBytes,
        );
      case 'key':
        return this.#request(
          mount,
          object,
          'list',
          '',
          clients.keys,
          (client, abortSignal) => collectVersions(client.listPropertiesOfKeyVersions(name, { abortSignal })),
          versionListBytes,
        );
      case 'cert':
        return this.#request(
          mount,
          object,
          'list',
          '',
          clients.certificates,
          (client, abortSignal) =>
            collectVersions(client.listPropertiesOfCertificateVersions(name, { abortSignal })),
          versionListBytes,
        );
    }
  }

  /**
   * One Key Vault read: answered from the content cache while fresh (no token request, no Key
   * Vault request), else coalesced with identical in-flight calls of the same identity, run under
   * the vault's concurrency limit, retried on final 429s, its answer stored in the content cache.
   * The key starts with identityKey so a read is never answered with another identity's result (a
   * denied pod stays denied). Every Key Vault read goes through here, so a new kind of read (e.g.
   * a wildcard's name listing) is cached by giving it an operation name and a size estimate.
   */
  #request<C, T>(
    mount: Mount,
    object: KeyVaultObject,
    operation: Operation,
    version: string,
    gated: GatedClient<C>,
    call: (client: C, signal: AbortSignal) => Promise<T>,
    sizeOf: (value: T) => number,
  ): Promise<T> {
    const collection = COLLECTIONS[object.objectType];
    const key = JSON.stringify([
      mount.identityKey,
      mount.vaultKey,
      collection,
      object.objectName,
      version,
      operation,
    ]);
    const cache = this.#contentCache;
    if (cache.enabled) {
      const hit = cache.fresh<T>(key);
      this.#emit({
        type: 'content-cache',
        result: hit === undefined ? 'miss' : 'hit',
        objectType: object.objectType,
      });
      if (hit !== undefined) return Promise.resolve(hit);
    }
    const limiter = this.#limiterFor(mount.vaultKey);
    const caller = { signal: mount.signal.signal, deadline: mount.signal.deadline };
    const result = this.#flights.run(
      key,
      caller,
      (shared) =>
        withThrottleRetry(
          () =>
            gated.gate.run(shared.signal, () =>
              limiter.run(shared.signal, () =>
                this.#timed(object.objectType, operation, shared.signal, (signal) =>
                  call(gated.client, signal),
                ),
              ),
            ),
          {
            signal: shared.signal,
            deadline: () => shared.latestDeadline,
            now: this.#now,
            random: this.#random,
            sleep: this.#sleep,
            onRetry: (delayMs) => this.#emit({ type: 'throttle-retry', delayMs }),
          },
        )
          .then((value) => {
            // Once per Key Vault answer, before any waiter resumes; failures never get here.
            if (cache.enabled) {
              cache.store(key, value, sizeOf(value));
              this.#emit({ type: 'content-cache-size', bytes: cache.bytes, entries: cache.entries });
            }
            return value;
          })
          .finally(() => {
            if (limiter.idle) this.#limiters.delete(mount.vaultKey);
          }),
      () => this.#emit({ type: 'coalesced' }),
    ) as Promise<T>;
    if (!cache.enabled) return result;
    return result.catch((error: unknown) =>
      this.#staleOrThrow<T>(error, key, mount, object, operation, version),
    );
  }

  /**
   * extensions §7 stale-on-error: a read that failed because Key Vault (or the way to it) is
   * unwell is answered from this identity's stored entry while it is younger than the stale
   * window. Revocation and deletion win: 401, 403, 404, token failures and cancelled mounts throw.
   */
  #staleOrThrow<T>(
    error: unknown,
    key: string,
    mount: Mount,
    object: KeyVaultObject,
    operation: Operation,
    version: string,
  ): T {
    const failure = this.#classify(error, this.#step(mount, object, operation, version), mount);
    if (!servesStale(failure, mount.tokenPendingAtAbort())) throw failure;
    const stale = this.#contentCache.stale<T>(key);
    if (stale === undefined) throw failure;
    this.#emit({ type: 'content-cache', result: 'stale', objectType: object.objectType });
    if (stale.firstStaleServe) {
      this.#emit({
        type: 'stale-served',
        objectType: object.objectType,
        objectName: object.objectName,
        vaultHost: mount.vaultHost,
        ageMs: stale.ageMs,
        failure: `${failure.code}: ${failure.message.slice(0, 300)}`,
      });
    }
    return stale.value;
  }

  async #timed<T>(
    objectType: ObjectType,
    operation: Operation,
    signal: AbortSignal,
    call: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const started = performance.now();
    try {
      const value = await call(signal);
      this.#emitRequest(objectType, operation, undefined, signal, started);
      return value;
    } catch (error) {
      this.#emitRequest(objectType, operation, error ?? new Error('unknown'), signal, started);
      throw error;
    }
  }

  #emitRequest(
    objectType: ObjectType,
    operation: Operation,
    error: unknown,
    signal: AbortSignal,
    started: number,
  ): void {
    if (!this.#options.onEvent) return;
    const status = requestStatus(error, signal);
    this.#emit({ type: 'request', objectType, operation, status, durationMs: performance.now() - started });
  }

  #limiterFor(vaultKey: string): ConcurrencyLimiter {
    let limiter = this.#limiters.get(vaultKey);
    if (!limiter) {
      limiter = new ConcurrencyLimiter(this.#maxConcurrency);
      this.#limiters.set(vaultKey, limiter);
    }
    return limiter;
  }

  #step(mount: Mount, object: KeyVaultObject, operation: Operation, version: string): FailedStep {
    const base = `${COLLECTIONS[object.objectType]}/${object.objectName}`;
    return { operation, target: version ? `${base}/${version}` : base, vaultHost: mount.vaultHost };
  }

  #classify(error: unknown, step: FailedStep, mount: Mount): KeyVaultObjectError {
    if (error instanceof KeyVaultObjectError) return error;
    return classifyFailure(error, step, {
      signal: mount.signal.signal,
      deadlineExceeded: mount.signal.deadlineExceeded,
      budgetMs: mount.signal.budgetMs,
      tokenPending: mount.tokenPendingAtAbort(),
      isCredentialError: (e) => typeof e === 'object' && e !== null && this.#credentialErrors.has(e),
    });
  }

  #asObjectError(error: unknown): KeyVaultObjectError {
    if (error instanceof KeyVaultObjectError) return error;
    const message = error instanceof Error ? error.message : String(error);
    return new KeyVaultObjectError(`internal error: ${message}`, {
      code: 'INTERNAL',
      kind: 'internal',
      cause: error,
    });
  }

  #emit(event: FetcherEvent): void {
    this.#options.onEvent?.(event);
  }
}

/** Failures of Key Vault itself or the way to it; never a refusal, a deletion or a token failure. */
function servesStale(failure: KeyVaultObjectError, tokenPending: boolean): boolean {
  switch (failure.code) {
    case 'SERVER_ERROR':
    case 'THROTTLED':
    case 'NETWORK_ERROR':
    case 'DNS_NOT_FOUND':
      return true;
    case 'DEADLINE_EXCEEDED':
      // Still waiting for a token is not Key Vault being slow.
      return !tokenPending;
    default:
      return false;
  }
}

interface VersionProperties {
  readonly version?: string;
  readonly enabled?: boolean;
  readonly createdOn?: Date;
}

/** Every page of a version listing. */
async function collectVersions(pages: AsyncIterable<VersionProperties>): Promise<ListedVersion[]> {
  const listed: ListedVersion[] = [];
  for await (const p of pages)
    listed.push({ version: p.version, enabled: p.enabled, createdOn: p.createdOn });
  return listed;
}
