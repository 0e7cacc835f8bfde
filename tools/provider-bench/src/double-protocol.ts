/** Messages between the bench and a test double running in its own process (Node IPC channel). */

export interface KeyVaultSeed {
  readonly vault: string;
  readonly clientId: string;
  readonly secrets: Readonly<Record<string, string>>;
}

export type DoubleRequest =
  | { readonly op: 'kv.seed'; readonly seed: KeyVaultSeed }
  | { readonly op: 'kv.latency'; readonly ms: number }
  | { readonly op: 'kv.stats' }
  | { readonly op: 'kv.resetStats' }
  | {
      readonly op: 'nmi.bind';
      readonly pods: readonly { namespace: string; name: string }[];
      readonly clientId: string;
    }
  | { readonly op: 'nmi.counters' }
  | { readonly op: 'nmi.resetLog' }
  | { readonly op: 'rss' };

export interface DoubleReady {
  readonly type: 'ready';
  /** NMI: its URL. Key Vault: the proxy URL, the CA path. */
  readonly url: string;
  readonly proxyUrl?: string;
  readonly caCertPath?: string;
}

export interface DoubleReply {
  readonly type: 'reply';
  readonly id: number;
  readonly result?: unknown;
  readonly error?: string;
}

export interface KeyVaultCounts {
  readonly total: number;
  readonly probes: number;
  readonly authorized: number;
  readonly rejected: number;
  readonly tunnels: number;
  /** Authorized list pages (`GET /secrets`, each `nextLink` one more). */
  readonly listPages: number;
  /** Authorized reads of one secret (`GET /secrets/<name>[/<version>]`). */
  readonly secretGets: number;
  readonly byStatus: Readonly<Record<string, number>>;
}

export interface NmiCounts {
  readonly calls: number;
  readonly tokensIssued: number;
  readonly errors: number;
}
