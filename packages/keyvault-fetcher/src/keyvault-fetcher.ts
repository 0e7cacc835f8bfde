import { performance } from 'node:perf_hooks';
import type { TokenCredential } from '@azure/core-auth';
import { SingleFlight } from '@keyvault-csi/internal';
import { LRUCache } from 'lru-cache';
import {
  KeyVaultObjectError,
  MountFetchError,
  NothingToMountError,
  type ObjectFetchFailure,
} from './errors.js';
import type { KeyVaultObject, ObjectType } from './key-vault-object.js';
import type { FetcherEvent, KeyVaultFetcherOptions, MountByteBudget } from './options.js';
import {
  certificateBundleBytes,
  keyBundleBytes,
  listedSecretsBytes,
  secretBundleBytes,
  toCertificateBundle,
  toKeyBundle,
  toSecretBundle,
  versionListBytes,
} from './private/cached-bundles.js';
import { classifyFailure, type FailedStep, requestStatus } from './private/classify-error.js';
import { ConcurrencyLimiter } from './private/concurrency-limiter.js';
import { ContentCache } from './private/content-cache.js';
import { extractJsonFiles } from './private/json-extract.js';
import { MountSignal } from './private/mount-signal.js';
import {
  type ConversionOptions,
  certificateContent,
  keyContent,
  type ObjectContent,
  secretContent,
} from './private/object-content.js';
import { metadataFile } from './private/object-metadata.js';
import { DEFAULT_H2_PING_INTERVAL_MS } from './private/proxy-dispatcher.js';
import { type ListedVersion, selectVersions } from './private/select-versions.js';
import { SharedTransport } from './private/shared-transport.js';
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
  /** Charged with each object version's file bytes as they are produced; may stop the mount. */
  readonly byteBudget?: MountByteBudget;
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
  /** First label of the host: the vault's name (metadata sidecars, wildcard errors). */
  readonly vaultName: string;
  readonly identityKey: string;
  readonly clients: VaultClients;
  readonly signal: MountSignal;
  /** Whether a token request was in flight when the mount's signal aborted (deadline or caller). */
  readonly tokenPendingAtAbort: () => boolean;
  /** Shared by every vault of the mount: the budget is per mount, not per vault. */
  readonly budget: MountBudgetState;
}

/** The byte budget of one `fetch` and where charging it stands. */
interface MountBudgetState {
  readonly byteBudget: MountByteBudget | undefined;
  /** Set when the byte budget stopped the mount: what `fetch` rejects with. */
  stoppedBy: { readonly error: unknown } | undefined;
  /** A charge of this mount waiting for room: its next conversions wait for it first. */
  roomPending: Promise<void> | undefined;
}

/** extensions.md §6. */
const MAX_WILDCARD_MATCHES = 256;
/** Bounds a wildcard's listing loop: far above any real vault, far below exhausting memory. */
const MAX_LISTED_SECRETS = 100_000;

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
  readonly #clients: LRUCache<string, VaultClients, () => VaultClients>;
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
    const maxCachedClients = options.maxCachedClients ?? 256;
    if (!Number.isInteger(maxCachedClients) || maxCachedClients < 1)
      throw new RangeError(`maxCachedClients must be a positive integer, got ${maxCachedClients}`);
    // memo(): the entry for a key, or the one its `context` creates (kept as most recently used).
    this.#clients = new LRUCache({
      max: maxCachedClients,
      memoMethod: (_key, _stale, { context }) => context(),
    });
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
   * `optional` objects that are not found or not readable are left out (extensions.md §1).
   */
  async fetch(request: FetchRequest): Promise<FetchResult> {
    if (this.#closed) throw new Error('KeyVaultFetcher is closed');
    const signal = new MountSignal({
      abortSignal: request.abortSignal,
      deadline: request.deadline,
      now: this.#now,
    });
    const vaults = new Map<string, Mount>();
    const releases: (() => void)[] = [];
    const budget: MountBudgetState = {
      byteBudget: request.byteBudget,
      stoppedBy: undefined,
      roomPending: undefined,
    };
    const mountFor = (object: KeyVaultObject): Mount => {
      const url = object.keyvaultName ? vaultUrlOf(request.vaultUrl, object.keyvaultName) : request.vaultUrl;
      let mount = vaults.get(url);
      if (!mount) {
        mount = this.#openVault(url, request, signal, releases, budget);
        vaults.set(url, mount);
      }
      return mount;
    };
    try {
      const outcomes = await Promise.all(
        request.objects.map((object) =>
          Promise.resolve()
            .then(() => this.#fetchObject(mountFor(object), object))
            .then(
              (result) => ({ object, result }),
              (error: unknown) => ({ object, error: this.#asObjectError(error) }),
            ),
        ),
      );
      if (budget.stoppedBy) throw budget.stoppedBy.error;
      const failures: ObjectFetchFailure[] = [];
      const skipped: KeyVaultObject[] = [];
      const files: MountFile[] = [];
      const objectVersions: ObjectVersion[] = [];
      for (const outcome of outcomes) {
        if ('error' in outcome) {
          const reason = outcome.object.optional ? skipReason(outcome.error) : undefined;
          if (reason === undefined) failures.push({ object: outcome.object, error: outcome.error });
          else {
            skipped.push(outcome.object);
            this.#emit({
              type: 'object-skipped',
              reason,
              objectIndex: outcome.object.index,
              objectType: outcome.object.objectType,
              objectName: outcome.object.objectName,
              code: outcome.error.keyVaultCode ?? outcome.error.code,
            });
          }
        } else {
          files.push(...outcome.result.files);
          objectVersions.push(...outcome.result.versions);
        }
      }
      if (failures.length > 0) throw new MountFetchError(failures);
      if (request.objects.some((o) => o.wildcard)) {
        const collisions = findCollisions(outcomes);
        if (collisions.length > 0) throw new MountFetchError(collisions);
      }
      if (skipped.length > 0 && objectVersions.length === 0) throw new NothingToMountError(skipped);
      return { files, objectVersions };
    } finally {
      for (const release of releases) release();
      signal.dispose();
    }
  }

  /** Clients of one vault for this mount, leased to the mount's credential until the mount ends. */
  #openVault(
    vaultUrl: string,
    request: FetchRequest,
    signal: MountSignal,
    releases: (() => void)[],
    budget: MountBudgetState,
  ): Mount {
    const url = new URL(vaultUrl);
    const vaultKey = url.href.replace(/\/+$/, '');
    const clients = this.#clients.memo(JSON.stringify([vaultKey, request.identityKey]), {
      context: () =>
        new VaultClients(vaultKey, {
          clientOptions: this.#options.clientOptions ?? {},
          userAgentPrefix: this.#options.userAgentPrefix,
          httpClient: () => this.#transport.httpClient(),
          onCredentialError: (error) => {
            if (typeof error === 'object' && error !== null) this.#credentialErrors.add(error);
          },
          onClientCreated: () => this.#emit({ type: 'client-created' }),
        }),
    });
    releases.push(clients.lease(request.credential));
    // Read at the abort itself: the token request settles (and stops being pending) right after.
    let tokenPendingAtAbort = false;
    signal.signal.addEventListener(
      'abort',
      () => {
        tokenPendingAtAbort = clients.tokenPending;
      },
      { once: true },
    );
    return {
      vaultKey,
      vaultHost: url.host,
      vaultName: url.hostname.split('.', 1)[0] ?? url.hostname,
      identityKey: request.identityKey,
      clients,
      signal,
      tokenPendingAtAbort: () => tokenPendingAtAbort,
      budget,
    };
  }

  async #fetchObject(mount: Mount, object: KeyVaultObject): Promise<ObjectResult> {
    if (object.wildcard) return this.#fetchWildcard(mount, object);
    if (object.objectVersionHistory > 1) return this.#fetchHistory(mount, object);
    const version = object.objectVersion === 'latest' ? '' : object.objectVersion;
    const content = await this.#getContent(mount, object, version);
    const files: MountFile[] = content.files.map((f) => ({
      path: object.fileName + f.suffix,
      mode: object.fileMode,
      contents: f.contents,
    }));
    if (object.jmesPath && object.jmesPath.length > 0) {
      const main = content.files.find((f) => f.suffix === '');
      try {
        for (const extracted of extractJsonFiles(
          main?.contents ?? new Uint8Array(),
          object.objectName,
          object.jmesPath,
        )) {
          files.push({ path: extracted.path, mode: object.fileMode, contents: extracted.contents });
        }
      } catch (error) {
        throw this.#classify(error, this.#step(mount, object, 'get', version), mount);
      }
    }
    if (object.metadata && object.metadataSuffix) {
      files.push({
        path: `${object.fileName}${object.metadataSuffix}`,
        mode: object.fileMode,
        contents: metadataFile(content.properties ?? {}, {
          name: object.objectName,
          vault: mount.vaultName,
          type: object.objectType,
        }),
      });
    }
    return { files, versions: [{ id: objectVersionId(object), version: content.version }] };
  }

  /** extensions.md §6: list the vault's secrets (every page), keep the matches, fetch each. */
  async #fetchWildcard(mount: Mount, object: KeyVaultObject): Promise<ObjectResult> {
    const step: FailedStep = { operation: 'list', target: 'secrets', vaultHost: mount.vaultHost };
    let listed: ListedSecret[];
    try {
      listed = await this.#request(
        mount,
        'secret',
        '',
        'list',
        '',
        mount.clients.secrets,
        (client, abortSignal) => collectSecrets(client.listPropertiesOfSecrets({ abortSignal })),
        listedSecretsBytes,
      );
    } catch (error) {
      const failure = this.#classify(error, step, mount);
      if (failure.kind !== 'forbidden') throw failure;
      throw new KeyVaultObjectError(
        `${failure.message} (a wildcard objectName needs the list permission on secrets)`,
        {
          code: 'LIST_FORBIDDEN',
          kind: 'forbidden',
          statusCode: failure.statusCode,
          keyVaultCode: failure.keyVaultCode,
          cause: failure,
        },
      );
    }
    const pattern = object.wildcardPattern;
    if (!pattern) throw new TypeError(`wildcard object ${object.objectName} has no wildcardPattern`);
    const names = listed
      .filter(
        (s) =>
          s.enabled !== false && s.managed !== true && pattern.test(s.name) && tagsMatch(s.tags, object.tags),
      )
      .map((s) => s.name)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    if (names.length === 0) {
      throw new KeyVaultObjectError(
        `objectName ${object.objectName} matched no enabled secret in ${mount.vaultName}`,
        { code: 'NO_MATCH', kind: 'not_found' },
      );
    }
    if (names.length > MAX_WILDCARD_MATCHES) {
      throw new KeyVaultObjectError(
        `objectName ${object.objectName} matched ${names.length} secrets, at most ${MAX_WILDCARD_MATCHES}`,
        { code: 'TOO_MANY_MATCHES', kind: 'conversion' },
      );
    }
    const results = await Promise.all(
      names.map((name) => {
        const { wildcard: _wildcard, wildcardPattern: _pattern, tags: _tags, ...rest } = object;
        return this.#fetchObject(mount, { ...rest, objectName: name, fileName: name });
      }),
    );
    return {
      files: results.flatMap((r) => r.files),
      versions: results.flatMap((r) => r.versions),
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
      objectVersions.push({ id: `${objectVersionId(object)}/${i}`, version: content.version });
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
      if (mount.budget.stoppedBy) throw mount.budget.stoppedBy.error;
      throw this.#classify(error, step, mount);
    }
  }

  /**
   * Converts and charges the mount's byte budget in one synchronous step. A coalesced answer resumes
   * every object waiting on it at once (4,000 aliases of one secret): each must see the previous
   * one's charge, so a stopped mount converts (allocates) nothing more. A refusal stops the whole
   * mount, aborting its outstanding requests.
   */
  #produce(mount: Mount, convert: () => ObjectContent): ObjectContent | Promise<ObjectContent> {
    const budget = mount.budget;
    // While a charge waits for room, converting more would hold bytes the budget has not granted.
    if (budget.roomPending) return budget.roomPending.then(() => this.#produce(mount, convert));
    if (budget.stoppedBy) throw budget.stoppedBy.error;
    mount.signal.signal.throwIfAborted();
    const content = convert();
    if (!budget.byteBudget) return content;
    const bytes = content.files.reduce((sum, file) => sum + file.contents.byteLength, 0);
    const stop = (error: unknown): never => {
      budget.stoppedBy ??= { error };
      mount.signal.abort(error);
      throw error;
    };
    let charged: void | Promise<void>;
    try {
      charged = budget.byteBudget.charge(bytes, mount.signal.signal);
    } catch (error) {
      return stop(error);
    }
    if (!(charged instanceof Promise)) return content;
    const pending: Promise<void> = charged.then(() => {
      if (budget.roomPending === pending) budget.roomPending = undefined;
    }, stop);
    budget.roomPending = pending;
    return pending.then(() => content);
  }

  async #convert(mount: Mount, object: KeyVaultObject, version: string): Promise<ObjectContent> {
    const name = object.objectName;
    const v = version || undefined;
    const clients = mount.clients;
    switch (object.objectType) {
      case 'secret': {
        const secret = await this.#request(
          mount,
          'secret',
          name,
          'get',
          version,
          clients.secrets,
          (client, abortSignal) => client.getSecret(name, { version: v, abortSignal }).then(toSecretBundle),
          secretBundleBytes,
        );
        return this.#produce(mount, () => ({
          ...secretContent(secret, object, this.#conversion),
          properties: secret.properties,
        }));
      }
      case 'key': {
        const key = await this.#request(
          mount,
          'key',
          name,
          'get',
          version,
          clients.keys,
          (client, abortSignal) => client.getKey(name, { version: v, abortSignal }).then(toKeyBundle),
          keyBundleBytes,
        );
        return this.#produce(mount, () => ({ ...keyContent(key), properties: key.properties }));
      }
      case 'cert': {
        const certificate = await this.#request(
          mount,
          'cert',
          name,
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
        return this.#produce(mount, () => ({
          ...certificateContent(certificate),
          properties: certificate.properties,
        }));
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
          'secret',
          name,
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
          'key',
          name,
          'list',
          '',
          clients.keys,
          (client, abortSignal) => collectVersions(client.listPropertiesOfKeyVersions(name, { abortSignal })),
          versionListBytes,
        );
      case 'cert':
        return this.#request(
          mount,
          'cert',
          name,
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
   * denied pod stays denied). Every Key Vault read goes through here (gets, version lists, a
   * wildcard's listing), each with an estimate of its answer's size for the cache.
   */
  #request<C, T>(
    mount: Mount,
    objectType: ObjectType,
    name: string,
    operation: Operation,
    version: string,
    gated: GatedClient<C>,
    call: (client: C, signal: AbortSignal) => Promise<T>,
    sizeOf: (value: T) => number,
  ): Promise<T> {
    const collection = COLLECTIONS[objectType];
    // name `""` with operation `list`: the whole collection (a wildcard's listing).
    const key = JSON.stringify([mount.identityKey, mount.vaultKey, collection, name, version, operation]);
    const cache = this.#contentCache;
    if (cache.enabled) {
      const hit = cache.fresh<T>(key);
      this.#emit({ type: 'content-cache', result: hit === undefined ? 'miss' : 'hit', objectType });
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
                this.#timed(objectType, operation, shared.signal, (signal) => call(gated.client, signal)),
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
    const base = name ? `${collection}/${name}` : collection;
    const step: FailedStep = {
      operation,
      target: version ? `${base}/${version}` : base,
      vaultHost: mount.vaultHost,
    };
    return result.catch((error: unknown) => this.#staleOrThrow<T>(error, key, mount, objectType, name, step));
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
    objectType: ObjectType,
    name: string,
    step: FailedStep,
  ): T {
    const failure = this.#classify(error, step, mount);
    if (!servesStale(failure, mount.tokenPendingAtAbort())) throw failure;
    const stale = this.#contentCache.stale<T>(key);
    if (stale === undefined) throw failure;
    this.#emit({ type: 'content-cache', result: 'stale', objectType });
    if (stale.firstStaleServe) {
      this.#emit({
        type: 'stale-served',
        objectType,
        objectName: name || COLLECTIONS[objectType],
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

interface ListedSecret {
  readonly name: string;
  readonly enabled: boolean | undefined;
  readonly managed: boolean | undefined;
  readonly tags: Readonly<Record<string, string>> | undefined;
}

/** Every page of a secret listing (names, enabled, managed, tags: no values). */
async function collectSecrets(
  pages: AsyncIterable<{
    readonly name: string;
    readonly enabled?: boolean;
    readonly managed?: boolean;
    readonly tags?: Record<string, string>;
  }>,
): Promise<ListedSecret[]> {
  const listed: ListedSecret[] = [];
  for await (const p of pages) {
    if (listed.length >= MAX_LISTED_SECRETS) {
      throw new KeyVaultObjectError(`the vault lists more than ${MAX_LISTED_SECRETS} secrets`, {
        code: 'TOO_MANY_MATCHES',
        kind: 'conversion',
      });
    }
    listed.push({ name: p.name, enabled: p.enabled, managed: p.managed, tags: p.tags });
  }
  return listed;
}

function tagsMatch(
  tags: Readonly<Record<string, string>> | undefined,
  wanted: Readonly<Record<string, string>> | undefined,
): boolean {
  if (!wanted) return true;
  return Object.entries(wanted).every(
    ([name, value]) => tags !== undefined && Object.hasOwn(tags, name) && tags[name] === value,
  );
}

/** `https://<name>.<the request vault's DNS suffix>/`: same cloud, scheme and port (extensions.md §2). */
function vaultUrlOf(requestVaultUrl: string, keyvaultName: string): string {
  const url = new URL(requestVaultUrl);
  const dot = url.hostname.indexOf('.');
  url.hostname = dot < 0 ? keyvaultName : `${keyvaultName}${url.hostname.slice(dot)}`;
  return url.href;
}

/** `<objectType>/<objectName>`, or `<objectType>/<keyvaultName>/<objectName>` (extensions.md §2). */
function objectVersionId(object: KeyVaultObject): string {
  return object.keyvaultName
    ? `${object.objectType}/${object.keyvaultName}/${object.objectName}`
    : `${object.objectType}/${object.objectName}`;
}

/** Why an optional object's failure skips it (extensions.md §1); `undefined`: it fails the mount. */
function skipReason(error: KeyVaultObjectError): 'not_found' | 'forbidden' | 'disabled' | undefined {
  if (error.code === 'LIST_FORBIDDEN') return undefined;
  if (error.kind === 'not_found') return 'not_found';
  if (error.code === 'DISABLED') return 'disabled';
  if (error.kind === 'forbidden') return 'forbidden';
  return undefined;
}

/**
 * A wildcard match whose file another object also writes (or needs as a directory) fails the
 * mount before any file is returned (extensions.md §6). Paths known before fetching were checked
 * when the objects were parsed, so every collision here involves a wildcard.
 */
function findCollisions(
  outcomes: readonly (
    | { object: KeyVaultObject; result: ObjectResult }
    | { object: KeyVaultObject; error: unknown }
  )[],
): ObjectFetchFailure[] {
  const owners = new Map<string, KeyVaultObject>();
  const failures: ObjectFetchFailure[] = [];
  const fail = (object: KeyVaultObject, other: KeyVaultObject, path: string): void => {
    const [wildcard, plain] = object.wildcard ? [object, other] : [other, object];
    failures.push({
      object: wildcard,
      error: new KeyVaultObjectError(
        `a wildcard match writes file path ${JSON.stringify(path)}, which object ${plain.index} (objectName ${plain.objectName}) also writes`,
        { code: 'PATH_COLLISION', kind: 'conversion' },
      ),
    });
  };
  for (const outcome of outcomes) {
    if (!('result' in outcome)) continue;
    for (const file of outcome.result.files) {
      const other = owners.get(file.path);
      if (other) fail(outcome.object, other, file.path);
      else owners.set(file.path, outcome.object);
    }
  }
  // A file where another object needs a directory (`name` vs `name/...`).
  for (const [path, owner] of owners) {
    for (let at = path.indexOf('/'); at >= 0; at = path.indexOf('/', at + 1)) {
      const other = owners.get(path.slice(0, at));
      if (other && other !== owner) fail(other, owner, path.slice(0, at));
    }
  }
  return failures;
}
