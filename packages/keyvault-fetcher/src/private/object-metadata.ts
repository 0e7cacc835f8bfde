/** The SDK properties the metadata sidecar reads (secrets, keys and certificates share them). */
export interface MetadataProperties {
  readonly name?: string;
  readonly version?: string;
  readonly enabled?: boolean;
  readonly contentType?: string;
  readonly tags?: Readonly<Record<string, string>>;
  readonly createdOn?: Date;
  readonly updatedOn?: Date;
  readonly notBefore?: Date;
  readonly expiresOn?: Date;
}

/**
 * `<path>.metadata.json` (extensions.md §5): the object's attributes in a fixed key order, never
 * any part of its value. `contentType` is reported for secrets only.
 */
export function metadataFile(
  properties: MetadataProperties,
  context: { readonly name: string; readonly vault: string; readonly type: 'secret' | 'key' | 'cert' },
): Uint8Array {
  const tags: Record<string, string> = {};
  for (const key of Object.keys(properties.tags ?? {}).sort()) {
    Object.defineProperty(tags, key, { value: properties.tags?.[key], enumerable: true });
  }
  const meta = {
    name: properties.name ?? context.name,
    vault: context.vault,
    type: context.type,
    version: properties.version ?? '',
    enabled: properties.enabled ?? true,
    contentType: context.type === 'secret' ? (properties.contentType ?? null) : null,
    tags,
    created: rfc3339(properties.createdOn),
    updated: rfc3339(properties.updatedOn),
    notBefore: rfc3339(properties.notBefore),
    expires: rfc3339(properties.expiresOn),
  };
  return Buffer.from(`${JSON.stringify(meta, null, 2)}\n`, 'utf8');
}

/** RFC 3339 UTC with whole seconds (`2026-12-06T03:00:00Z`), or null. */
function rfc3339(date: Date | undefined): string | null {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) return null;
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
