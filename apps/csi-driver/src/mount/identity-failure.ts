import {
  type KeyVaultObject,
  KeyVaultObjectError,
  MountFetchError,
  type ObjectFetchFailure,
} from '@keyvault-csi/keyvault-fetcher';
import { NmiError } from '@keyvault-csi/nmi-client';
import type { MountPlan } from '@keyvault-csi/spc';

const COLLECTIONS = { secret: 'secrets', key: 'keys', cert: 'certificates' } as const;

/**
 * A pod-identity mount asks NMI which identity the pod holds before any Key Vault request. When
 * that fails, the mount fails as it did when the token was first asked for inside the fetch: a
 * MountFetchError naming every object, with the fetcher's texts (its classify-error), so the gRPC
 * code, the error code and the message the driver shows stay the same:
 * - the deadline passed with NMI still working → `deadline` (DEADLINE_EXCEEDED);
 * - any other NmiError → `credential`, the NmiError as `cause` (error-status maps its code).
 * Anything else is not an NMI answer and is returned unchanged.
 */
export function identityResolutionFailure(error: unknown, plan: MountPlan, budgetMs: number): unknown {
  if (!(error instanceof NmiError)) return error;
  const vaultHost = new URL(plan.vaultUrl).host;
  const failures: ObjectFetchFailure[] = plan.objects.map((object) => {
    const { operation, target } = firstStep(object);
    if (error.code === 'NMI_TIMEOUT') {
      return {
        object,
        error: new KeyVaultObjectError(
          `context deadline exceeded: still waiting for the access token (NMI / identity endpoint) needed for Key Vault ${operation} of ${target} on ${vaultHost} when the mount's ${Math.max(0, Math.round(budgetMs))} ms ran out`,
          { code: 'DEADLINE_EXCEEDED', kind: 'deadline', cause: error },
        ),
      };
    }
    return {
      object,
      error: new KeyVaultObjectError(
        `failed to get a token for Key Vault ${operation} of ${target}: ${error.message}`,
        { code: 'CREDENTIAL_FAILED', kind: 'credential', cause: error },
      ),
    };
  });
  return new MountFetchError(failures);
}

/** The Key Vault call the fetcher would have made first for the object, as it names it. */
function firstStep(object: KeyVaultObject): { operation: 'get' | 'list'; target: string } {
  const base = `${COLLECTIONS[object.objectType]}/${object.objectName}`;
  if (object.objectVersionHistory > 1) return { operation: 'list', target: base };
  return { operation: 'get', target: object.objectVersion ? `${base}/${object.objectVersion}` : base };
}
