import { buildDriverAttributes, type MountPod } from '@keyvault-csi/spc';

/** The pod fields kubelet passes in the volume context (`podInfoOnMount: true`). */
export type DriverPod = MountPod;

/**
 * The `attributes` JSON the driver builds: the SecretProviderClass parameters, the pod volume's
 * `volumeAttributes` copied over them, then kubelet's pod keys; marshalled like Go's encoder (keys
 * sorted by bytes, `<`, `>`, `&`, U+2028 and U+2029 escaped). One implementation, in spc.
 */
export function driverAttributes(
  parameters: Readonly<Record<string, string>>,
  pod: DriverPod,
  volumeAttributes: Readonly<Record<string, string>> = {},
): string {
  return buildDriverAttributes(parameters, pod, volumeAttributes);
}
