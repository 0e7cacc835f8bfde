/** The pod fields kubelet passes in the volume context (`podInfoOnMount: true`). */
export interface DriverPod {
  readonly name: string;
  readonly namespace: string;
  readonly uid?: string;
  readonly serviceAccountName?: string;
}

/**
 * The `attributes` JSON the driver builds: the SecretProviderClass parameters, the pod volume's
 * `volumeAttributes` copied over them, then kubelet's pod keys; marshalled like Go's encoder (keys
 * sorted by bytes, `<`, `>`, `&`, U+2028 and U+2029 escaped).
 */
export function driverAttributes(
  parameters: Readonly<Record<string, string>>,
  pod: DriverPod,
  volumeAttributes: Readonly<Record<string, string>> = {},
): string {
  const attributes = new Map<string, string>(Object.entries(parameters));
  for (const [key, value] of Object.entries(volumeAttributes)) attributes.set(key, value);
  attributes.set('csi.storage.k8s.io/pod.name', pod.name);
  attributes.set('csi.storage.k8s.io/pod.namespace', pod.namespace);
  if (pod.uid !== undefined) attributes.set('csi.storage.k8s.io/pod.uid', pod.uid);
  if (pod.serviceAccountName !== undefined) {
    attributes.set('csi.storage.k8s.io/serviceAccount.name', pod.serviceAccountName);
  }
  return goMarshal(attributes);
}

/** Go's `json.Marshal` of a `map[string]string`. */
export function goMarshal(map: ReadonlyMap<string, string>): string {
  const keys = [...map.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const body = keys.map((key) => `${JSON.stringify(key)}:${JSON.stringify(map.get(key))}`).join(',');
  return `{${body}}`.replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
