import type { MountPlan } from '@keyvault-csi/spc';

/**
 * Which caller a credential and its SDK clients belong to: never shared between pods whose
 * identities may differ (nmi.md §5), always shared by the rotation polls of one pod.
 */
export function identityKeyFor(plan: MountPlan): string {
  const clientId = plan.identity.mode === 'PodIdentity' ? plan.identity.podIdentityClientId : '';
  return JSON.stringify([
    plan.identity.mode,
    plan.pod.namespace,
    plan.pod.name,
    plan.pod.uid,
    clientId,
    plan.vaultUrl,
  ]);
}
