import type { RequestRecord } from '@keyvault-csi/keyvault-emulator';

/** A wildcard mount's Key Vault traffic, split the way issue 13 asks for it. */
export interface VaultRequestKinds {
  /** Authorized `GET /secrets` (one per list page, the first and every `nextLink`). */
  readonly listPages: number;
  /** Authorized `GET /secrets/<name>[/<version>]`: one secret read. */
  readonly secretGets: number;
  /** Every other authorized request (keys, certificates, version lists). */
  readonly other: number;
}

/**
 * Counts the emulator's authorized requests by kind. Challenge probes (no `Authorization`) and
 * rejected tokens are left out: the bench counts those separately (`probes`, `rejected`).
 */
export function vaultRequestKinds(
  records: readonly Pick<RequestRecord, 'method' | 'path' | 'probe' | 'identity'>[],
): VaultRequestKinds {
  let listPages = 0;
  let secretGets = 0;
  let other = 0;
  for (const record of records) {
    if (record.probe || !record.identity) continue;
    // The path is as sent, without the query: `/secrets`, `/secrets/`, `/secrets/a/`, `/secrets/a/v1`.
    const segments = record.path.split('/').filter((s) => s.length > 0);
    if (record.method !== 'GET' || segments[0] !== 'secrets') other++;
    else if (segments.length === 1) listPages++;
    else if (segments.length <= 3 && segments[2] !== 'versions') secretGets++;
    else other++;
  }
  return { listPages, secretGets, other };
}
