/**
 * The NMI `resource` for an SDK scope: `https://vault.azure.net/.default` → `https://vault.azure.net`.
 * A trailing `/` is never left, since Key Vault rejects a token for `https://vault.azure.net/` (AKV10022).
 * Returns undefined when the scopes do not name exactly one resource.
 */
export function resourceFromScopes(scopes: string | readonly string[]): string | undefined {
  const list = typeof scopes === 'string' ? [scopes] : scopes;
  if (list.length !== 1) return undefined;
  let resource = list[0]!.trim();
  if (resource.endsWith('/.default')) resource = resource.slice(0, -'/.default'.length);
  resource = resource.replace(/\/+$/, '');
  return resource === '' ? undefined : resource;
}
