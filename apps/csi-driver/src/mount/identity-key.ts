import type { MountPlan } from '@keyvault-csi/spc';

/**
 * Which caller a credential and its SDK clients belong to. Requests are coalesced and Key Vault
 * clients (with their cached tokens) shared per key, so the key changes whenever the identity or
 * its proof changes:
 * - pod identity: the pod (NMI picks the identity per pod; nmi.md §5) and its optional client id;
 * - VM managed identity: the user-assigned client id (`""` = the node's system-assigned identity);
 * - service principal / workload identity: tenant, client id, login host and `proofFingerprint`,
 *   a keyed SHA-256 of the client secret or service-account token, so a wrong secret or another
 *   pod's token is never answered from a cache a right one filled.
 */
export function identityKeyFor(plan: MountPlan, proofFingerprint = ''): string {
  const { identity } = plan;
  switch (identity.mode) {
    case 'PodIdentity':
      return JSON.stringify([
        identity.mode,
        plan.pod.namespace,
        plan.pod.name,
        plan.pod.uid,
        identity.podIdentityClientId,
        plan.vaultUrl,
      ]);
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
