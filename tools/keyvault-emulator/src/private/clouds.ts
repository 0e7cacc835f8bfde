/** Key Vault DNS suffix → the resource (token audience) its vaults expect. */
export const VAULT_DNS_SUFFIXES: ReadonlyMap<string, string> = new Map([
  ['vault.azure.net', 'https://vault.azure.net'],
  ['vault.usgovcloudapi.net', 'https://vault.usgovcloudapi.net'],
  ['vault.azure.cn', 'https://vault.azure.cn'],
  ['vault.microsoftazure.de', 'https://vault.microsoftazure.de'],
]);

const AUTHORITY_BY_RESOURCE: ReadonlyMap<string, string> = new Map([
  ['https://vault.usgovcloudapi.net', 'https://login.microsoftonline.us'],
  ['https://vault.azure.cn', 'https://login.chinacloudapi.cn'],
  ['https://vault.microsoftazure.de', 'https://login.microsoftonline.de'],
]);

/** The Azure AD authority a vault of this resource names in its challenge. */
export function authorityFor(resource: string): string {
  return AUTHORITY_BY_RESOURCE.get(resource) ?? 'https://login.microsoftonline.com';
}

export const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** Splits `kv-shop.vault.azure.net` into the vault name and its suffix's resource. */
export function parseVaultHost(
  hostname: string,
  suffixes: ReadonlyMap<string, string>,
): { vaultName: string; resource: string } | undefined {
  const dot = hostname.indexOf('.');
  if (dot <= 0) return undefined;
  const resource = suffixes.get(hostname.slice(dot + 1));
  return resource ? { vaultName: hostname.slice(0, dot), resource } : undefined;
}
