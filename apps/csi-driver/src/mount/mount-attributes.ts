/** The pod fields kubelet adds to the volume context (`podInfoOnMount: true`). */
export interface PodFields {
  readonly name: string;
  readonly namespace: string;
  /** `""` = not sent. */
  readonly uid: string;
  /** `""` = not sent. */
  readonly serviceAccount: string;
}

/**
 * The `attributes` JSON the driver sends: every SecretProviderClass parameter verbatim, then the
 * volume context (`secretProviderClass`, the `csi.storage.k8s.io/*` pod keys) over them.
 */
export function buildMountAttributes(
  parameters: Readonly<Record<string, string>>,
  pod: PodFields,
  secretProviderClass: string,
): string {
  const attributes: Record<string, string> = { ...parameters };
  attributes['secretProviderClass'] = secretProviderClass;
  attributes['csi.storage.k8s.io/ephemeral'] = 'true';
  attributes['csi.storage.k8s.io/pod.name'] = pod.name;
  attributes['csi.storage.k8s.io/pod.namespace'] = pod.namespace;
  if (pod.uid !== '') attributes['csi.storage.k8s.io/pod.uid'] = pod.uid;
  if (pod.serviceAccount !== '') attributes['csi.storage.k8s.io/serviceAccount.name'] = pod.serviceAccount;
  return JSON.stringify(attributes);
}
