import type { IdentityModeName } from '@keyvault-csi/spc';

const HOW_TO_SELECT: Readonly<Record<IdentityModeName, string>> = {
  PodIdentity: 'usePodIdentity: "true"',
  VMManagedIdentity: 'useVMManagedIdentity: "true"',
  AzureTokenProxy: 'useAzureTokenProxy: "true"',
  WorkloadIdentity: 'clientID with a service account token',
  ServicePrincipal:
    'default when no identity mode is set: nodePublishSecretRef with clientid and clientsecret',
};

/** The SecretProviderClass selects an identity mode this provider cannot serve yet. */
export class IdentityModeNotSupportedError extends Error {
  override readonly name = 'IdentityModeNotSupportedError';
  readonly code = 'IDENTITY_MODE_UNSUPPORTED';
  readonly mode: IdentityModeName;

  constructor(mode: IdentityModeName) {
    super(
      `failed to get keyvault client: ${mode} access mode is not supported yet ` +
        `(selected by ${HOW_TO_SELECT[mode]}); keyvault-csi supports pod identity, workload identity, ` +
        'service principal and VM managed identity',
    );
    this.mode = mode;
  }
}
