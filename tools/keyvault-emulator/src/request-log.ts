/** One request the emulator answered (or dropped). */
export interface RequestRecord {
  readonly seq: number;
  /** Epoch ms when the request arrived. */
  readonly time: number;
  readonly vault: string;
  readonly method: string;
  /** Path without the query, as sent (`/secrets/a/` for the current version). */
  readonly path: string;
  readonly apiVersion: string | undefined;
  /** `appid` of a valid token; absent for probes and rejected tokens. */
  readonly identity: string | undefined;
  /** A request without `Authorization` (the SDK's challenge probe). */
  readonly probe: boolean;
  /** HTTP status, or 0 when the connection was reset or the body truncated. */
  status: number;
  /** Key Vault error code of the answer, when it was an error. */
  errorCode: string | undefined;
  /** `direct` (https://127.0.0.1), `proxy` (CONNECT tunnel) or `http` (plain HTTP). */
  readonly via: 'direct' | 'proxy' | 'http';
  readonly clientRequestId: string | undefined;
  /** `1.1` or `2.0`. */
  readonly httpVersion?: string;
  /** Type of the injected fault, if one applied. */
  fault: string | undefined;
}

/** Aggregates over the request log. */
export interface RequestStats {
  readonly total: number;
  readonly probes: number;
  readonly authorized: number;
  /** Requests with an `Authorization` header that was refused (401). */
  readonly rejected: number;
  readonly tunnels: number;
  readonly byPath: Readonly<Record<string, number>>;
  readonly byIdentity: Readonly<Record<string, number>>;
  readonly byStatus: Readonly<Record<string, number>>;
  readonly apiVersions: Readonly<Record<string, number>>;
}

export interface RequestFilter {
  readonly vault?: string;
  readonly method?: string;
  /** Exact path, compared ignoring a trailing `/`; or a RegExp. */
  readonly path?: string | RegExp;
  readonly identity?: string;
  readonly probe?: boolean;
  readonly status?: number;
}

const trim = (p: string) => (p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p);

export class RequestLog {
  readonly #records: RequestRecord[] = [];
  readonly #maxEntries: number;
  #seq = 0;
  tunnels = 0;

  constructor(maxEntries = 100_000) {
    this.#maxEntries = maxEntries;
  }

  add(record: Omit<RequestRecord, 'seq'>): RequestRecord {
    const full = { ...record, seq: ++this.#seq };
    this.#records.push(full);
    if (this.#records.length > this.#maxEntries) this.#records.shift();
    return full;
  }

  get records(): readonly RequestRecord[] {
    return this.#records;
  }

  reset(): void {
    this.#records.length = 0;
    this.tunnels = 0;
  }

  count(filter: RequestFilter = {}): number {
    return this.#records.filter((r) => matches(r, filter)).length;
  }

  stats(): RequestStats {
    const byPath: Record<string, number> = {};
    const byIdentity: Record<string, number> = {};
    const byStatus: Record<string, number> = {};
    const apiVersions: Record<string, number> = {};
    let probes = 0;
    let authorized = 0;
    let rejected = 0;
    for (const r of this.#records) {
      byPath[`${r.method} ${r.path}`] = (byPath[`${r.method} ${r.path}`] ?? 0) + 1;
      byStatus[String(r.status)] = (byStatus[String(r.status)] ?? 0) + 1;
      if (r.identity) byIdentity[r.identity] = (byIdentity[r.identity] ?? 0) + 1;
      if (r.apiVersion) apiVersions[r.apiVersion] = (apiVersions[r.apiVersion] ?? 0) + 1;
      if (r.probe) probes++;
      else if (r.identity) authorized++;
      else rejected++;
    }
    return {
      total: this.#records.length,
      probes,
      authorized,
      rejected,
      tunnels: this.tunnels,
      byPath,
      byIdentity,
      byStatus,
      apiVersions,
    };
  }
}

function matches(r: RequestRecord, f: RequestFilter): boolean {
  if (f.vault !== undefined && r.vault !== f.vault) return false;
  if (f.method !== undefined && r.method !== f.method.toUpperCase()) return false;
  if (f.identity !== undefined && r.identity !== f.identity) return false;
  if (f.probe !== undefined && r.probe !== f.probe) return false;
  if (f.status !== undefined && r.status !== f.status) return false;
  if (f.path !== undefined) {
    if (typeof f.path === 'string' ? trim(f.path) !== trim(r.path) : !f.path.test(r.path)) return false;
  }
  return true;
}
