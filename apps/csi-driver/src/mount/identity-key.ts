import type { NmiIdentity } from '@keyvault-csi/nmi-client';
import type { MountPlan } from '@keyvault-csi/spc';

/**
 * Which caller a credential and its SDK clients belong to. Requests are coalesced and Key Vault
 * clients (with their cached tokens) shared per key, so the key changes whenever the identity or
 * its proof changes:
 * - pod identity: see podIdentityKeyFor (the identity NMI resolved for the pod);
 * - VM managed identity: the user-assigned client id (`""` = the node's system-assigned identity);
 * - service principal / workload identity: tenant, client id, login host and `proofFingerprint`,
 *   a keyed SHA-256 of the client secret or service-account token, so a wrong secret or another
 *   pod's token is never answered from a cache a right one filled.
 */
export function identityKeyFor(plan: MountPlan, proofFingerprint = ''): string {
  const { identity } = plan;
  switch (identity.mode) {
    case 'PodIdentity':
      // Before NMI has answered, nothing says which identity the pod holds.
      throw new Error('a pod-identity key needs the identity NMI resolved for the pod (podIdentityKeyFor)');
    case 'VMManagedIdentity':
      return JSON.stringify([identity.mode, identity.userAssignedIdentityId.toLowerCase(), plan.vaultUrl]);
    default:
      return JSON.stringify([
        identity.mode,
        plan.tenantId.toLowerCase(),
        identity.clientId,
        plan.cloud.activeDirectoryEndpoint,
        proofFingerprint,
        plan.vaultUrl,
      ]);
  }
}

/**
 * Pod identity, once NMI has answered for this pod: the client id NMI used and the tenant and
 * object id of its token, for the cloud's Key Vault resource. Pods holding the same identity get tokens with the
 * same access, so they share SDK clients, the challenge and coalesced requests; each pod still
 * proves its own binding with its own NMI call before its mount uses them. The SecretProviderClass
 * `tenantId` is not part of it: NMI ignores it.
 */
export function podIdentityKeyFor(plan: MountPlan, resolved: NmiIdentity): string {
  return JSON.stringify([
    'PodIdentity',
    resolved.clientId.toLowerCase(),
    resolved.tenantId ?? '',
    resolved.objectId ?? '',
    plan.cloud.keyVaultResource,
    plan.vaultUrl,
  ]);
}
