import { readFileSync } from 'node:fs';
import { parseSecretProviderClasses, type SecretProviderClass } from '@keyvault-csi/spc';
import { parse } from 'yaml';

export interface ExamplePod {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  /** `volumeAttributes` of the pod's Secrets Store CSI volume. */
  readonly volumeAttributes: Readonly<Record<string, string>>;
}

/** The SecretProviderClass of a manifest file (the first one in it). */
export function readSecretProviderClass(file: string): SecretProviderClass {
  const [spc] = parseSecretProviderClasses(readFileSync(file, 'utf8'));
  if (!spc) throw new Error(`${file} holds no SecretProviderClass`);
  return spc;
}

/** Name, namespace, labels and CSI volume attributes of a Pod manifest. */
export function readExamplePod(file: string): ExamplePod {
  const pod = parse(readFileSync(file, 'utf8')) as {
    metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
    spec?: { volumes?: { csi?: { driver?: string; volumeAttributes?: Record<string, string> } }[] };
  };
  const volume = pod.spec?.volumes?.find((v) => v.csi?.driver === 'secrets-store.csi.k8s.io');
  if (!pod.metadata?.name || !volume)
    throw new Error(`${file} is not a pod with a secrets-store.csi.k8s.io volume`);
  return {
    name: pod.metadata.name,
    namespace: pod.metadata.namespace ?? 'default',
    labels: pod.metadata.labels ?? {},
    volumeAttributes: volume.csi?.volumeAttributes ?? {},
  };
}
