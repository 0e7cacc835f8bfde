import { buildMountAttributes, type SecretProviderClass } from '@keyvault-csi/spc';
import { describe, expect, it } from 'vitest';
import { driverAttributes } from './driver-attributes.js';

describe('driverAttributes', () => {
  const parameters = {
    usePodIdentity: 'true',
    keyvaultName: 'kv-shop',
    objects: 'array:\n  - |\n    objectName: db-password\n    objectType: secret\n',
    tenantId: '72f988bf-0000-0000-0000-000000000000',
    note: 'a<b>&c',
  };
  const pod = { name: 'web-0', namespace: 'shop', uid: '9d2e', serviceAccountName: 'web' };

  it('marshals like Go: keys sorted, <, > and & escaped, volume attributes over the parameters', () => {
    const json = driverAttributes(parameters, pod, {
      secretProviderClass: 'kv-shop',
      keyvaultName: 'kv-override',
    });
    expect(
      json.startsWith('{"csi.storage.k8s.io/pod.name":"web-0","csi.storage.k8s.io/pod.namespace":"shop",'),
    ).toBe(true);
    expect(json).toContain('"note":"a\\u003cb\\u003e\\u0026c"');
    expect(JSON.parse(json)).toMatchObject({
      keyvaultName: 'kv-override',
      'csi.storage.k8s.io/pod.uid': '9d2e',
    });
    const keys = Object.keys(JSON.parse(json) as object);
    expect(keys).toEqual([...keys].sort());
  });

  it('agrees byte for byte with spc.buildMountAttributes', () => {
    const spc = { spec: { parameters } } as unknown as SecretProviderClass;
    const volume = { secretProviderClass: 'kv-shop' };
    expect(driverAttributes(parameters, pod, volume)).toBe(buildMountAttributes(spc, pod, volume));
  });

  it('omits the pod fields kubelet did not send', () => {
    const json = JSON.parse(driverAttributes({}, { name: 'p', namespace: 'n' })) as Record<string, string>;
    expect(Object.keys(json)).toEqual(['csi.storage.k8s.io/pod.name', 'csi.storage.k8s.io/pod.namespace']);
  });
});
