/**
 * The names a wildcard `objectName` matches (extensions.md §6): `*` is any run (possibly empty) of
 * Key Vault name characters, everything else matches itself, case-insensitively as Key Vault
 * names do.
 */
export function wildcardRegExp(pattern: string): RegExp {
  const parts = pattern.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('[0-9A-Za-z-]*')}$`, 'i');
}
