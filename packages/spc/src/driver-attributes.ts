// The `attributes` JSON the Secrets Store CSI Driver sends with a Mount: built here for offline
// checks (`csi-driver mount`, the demo) and for the test driver, from a manifest or bare parameters.
import type { SecretProviderClass } from './manifest.js';
import {
  POD_NAME_KEY,
  POD_NAMESPACE_KEY,
  POD_UID_KEY,
  SERVICE_ACCOUNT_NAME_KEY,
} from './parse-mount-request.js';

/** Pod details kubelet adds to the attributes when the CSIDriver has `podInfoOnMount: true`. */
export interface MountPod {
  readonly name: string;
  readonly namespace: string;
  readonly uid?: string;
  readonly serviceAccountName?: string;
}

/**
 * The `attributes` JSON the driver sends for a pod mounting this class: the parameters, then the
 * pod volume's `volumeAttributes` over them, then kubelet's pod fields; keys sorted and `<`, `>`,
 * `&` escaped as Go's encoder does. Useful for offline checks and one-shot mounts.
 */
export function buildMountAttributes(
  spc: SecretProviderClass,
  pod: MountPod,
  volumeAttributes: Readonly<Record<string, string>> = {},
): string {
  return buildDriverAttributes(spc.spec.parameters, pod, volumeAttributes);
}

/** {@link buildMountAttributes} from a bare `parameters` map (no manifest at hand). */
export function buildDriverAttributes(
  parameters: Readonly<Record<string, string>>,
  pod: MountPod,
  volumeAttributes: Readonly<Record<string, string>> = {},
): string {
  const attributes = new Map<string, string>(Object.entries(parameters));
  for (const [key, value] of Object.entries(volumeAttributes)) attributes.set(key, value);
  attributes.set(POD_NAME_KEY, pod.name);
  attributes.set(POD_NAMESPACE_KEY, pod.namespace);
  if (pod.uid !== undefined) attributes.set(POD_UID_KEY, pod.uid);
  if (pod.serviceAccountName !== undefined) attributes.set(SERVICE_ACCOUNT_NAME_KEY, pod.serviceAccountName);
  return marshalGoStringMap(attributes);
}

/** Go's `json.Marshal` of a `map[string]string`: keys sorted by bytes; `<`, `>`, `&`, U+2028, U+2029 escaped. */
export function marshalGoStringMap(map: ReadonlyMap<string, string>): string {
  const keys = [...map.keys()].sort(compareUtf8);
  const body = keys.map((key) => `${JSON.stringify(key)}:${JSON.stringify(map.get(key))}`).join(',');
  return `{${body}}`.replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

// Go sorts map keys by bytes; UTF-16 order differs only above U+FFFF versus U+E000–U+FFFF.
function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
