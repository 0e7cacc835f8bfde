/** One entry of a version listing, as the SDKs report it. */
export interface ListedVersion {
  readonly version: string | undefined;
  /** undefined when the entry carried no attributes. */
  readonly enabled: boolean | undefined;
  readonly createdOn: Date | undefined;
}

export class VersionNotFoundError extends Error {
  override readonly name = 'VersionNotFoundError';
}

/**
 * The versions to mount for `objectVersionHistory: count` (docs/object-outputs.md §6): enabled versions,
 * newest first (ties by version id so the result is deterministic), starting at `startVersion`
 * (`""`/`latest` = newest), exactly `count` of them when available.
 */
export function selectVersions(
  listed: readonly ListedVersion[],
  startVersion: string,
  count: number,
): string[] {
  const enabled = listed
    .filter(
      (v): v is ListedVersion & { version: string } => v.enabled === true && typeof v.version === 'string',
    )
    .map((v) => ({ version: v.version, created: v.createdOn?.getTime() ?? 0 }))
    .sort((a, b) => b.created - a.created || (a.version < b.version ? -1 : a.version > b.version ? 1 : 0));
  let start = 0;
  if (startVersion !== '' && startVersion !== 'latest') {
    start = enabled.findIndex((v) => v.version === startVersion);
    if (start < 0)
      throw new VersionNotFoundError(`objectVersion ${startVersion} not found among the enabled versions`);
  }
  return enabled.slice(start, start + count).map((v) => v.version);
}
