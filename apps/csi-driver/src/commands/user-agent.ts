/** `keyvault-csi/<version>`, then the operator's `--custom-user-agent` when set. */
export function userAgentPrefix(version: string, custom: string): string {
  return custom.trim() === '' ? `keyvault-csi/${version}` : `keyvault-csi/${version} ${custom.trim()}`;
}
