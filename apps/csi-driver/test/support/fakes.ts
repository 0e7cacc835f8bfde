import { FakeNmi } from '@keyvault-csi/fake-nmi';
import { KeyVaultEmulator } from '@keyvault-csi/keyvault-emulator';

export const POD = {
  namespace: 'default',
  name: 'busybox-secrets-store-inline-podid',
  uid: '9d2e0c1a-5b7f-4c1e-9a53-0f6b2d0f7e11',
};
export const CLIENT_ID = 'demo-client-id';
export const VAULT = 'kv-demo';
export const TENANT = '72f988bf-0000-0000-0000-000000000000';

export function tlsDir(): string {
  const dir = process.env['CSI_DRIVER_TLS_DIR'];
  if (!dir)
    throw new Error('CSI_DRIVER_TLS_DIR is not set: run through the csi-driver vitest config (globalSetup)');
  return dir;
}

export interface Fakes {
  readonly nmi: FakeNmi;
  readonly kv: KeyVaultEmulator;
  stop(): Promise<void>;
}

/**
 * A fake NMI with the demo pod bound, and the emulator reached as `https://kv-demo.vault.azure.net`
 * through HTTPS_PROXY: the production code path. The proxy variable is set in this process (SDK
 * clients read it when created) and must be passed to spawned daemons.
 */
export async function startFakes(): Promise<Fakes> {
  const nmi = await FakeNmi.start({
    bindings: [{ namespace: POD.namespace, podName: POD.name, clientId: CLIENT_ID }],
  });
  const kv = await KeyVaultEmulator.start({ tlsDir: tlsDir() });
  delete process.env['NO_PROXY'];
  delete process.env['no_proxy'];
  process.env['HTTPS_PROXY'] = kv.proxyUrl;
  return {
    nmi,
    kv,
    async stop() {
      delete process.env['HTTPS_PROXY'];
      await Promise.all([nmi.stop(), kv.stop()]);
    },
  };
}

/** The attributes the driver sends for the demo pod: SPC parameters plus kubelet's pod fields. */
export function demoAttributes(parameters: Record<string, string>, pod: Partial<typeof POD> = POD): string {
  const attributes: Record<string, string> = {
    usePodIdentity: 'true',
    keyvaultName: VAULT,
    tenantId: TENANT,
    ...parameters,
    secretProviderClass: 'azure-kvname-podid',
    'csi.storage.k8s.io/ephemeral': 'true',
    'csi.storage.k8s.io/serviceAccount.name': 'default',
  };
  if (pod.name !== undefined) attributes['csi.storage.k8s.io/pod.name'] = pod.name;
  if (pod.namespace !== undefined) attributes['csi.storage.k8s.io/pod.namespace'] = pod.namespace;
  if (pod.uid !== undefined) attributes['csi.storage.k8s.io/pod.uid'] = pod.uid;
  return JSON.stringify(attributes);
}

export const objects = (...entries: string[]): string =>
  `array:\n${entries.map((entry) => `  - |\n${entry.replace(/^/gm, '    ')}\n`).join('')}`;
