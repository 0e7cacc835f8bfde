import { describe, expect, it } from 'vitest';
import { SPEC_EXAMPLE } from '../test/manifests.js';
import { buildMountAttributes, parseMountRequest, parseSecretProviderClasses } from './index.js';

describe('buildMountAttributes', () => {
  it('merges parameters, volume attributes and pod fields like the driver, keys sorted and Go-escaped', () => {
    const [spc] = parseSecretProviderClasses(SPEC_EXAMPLE);
    const attributes = buildMountAttributes(
      spc!,
      {
        name: 'web-0',
        namespace: 'shop',
        uid: '00000000-0000-4000-8000-000000000001',
        serviceAccountName: 'web',
      },
      { secretProviderClass: 'kv-shop', keyvaultName: 'kv-other', note: '<&>' },
    );
    const decoded = JSON.parse(attributes) as Record<string, string>;
    expect(Object.keys(decoded)).toEqual([...Object.keys(decoded)].sort());
    expect(decoded.keyvaultName).toBe('kv-other');
    expect(decoded['csi.storage.k8s.io/pod.name']).toBe('web-0');
    expect(attributes).toContain('"note":"\\u003c\\u0026\\u003e"');
    const plan = parseMountRequest({ attributes, secrets: 'null', permission: '420' });
    expect(plan.vaultUrl).toBe('https://kv-other.vault.azure.net/');
    expect(plan.objects.map((o) => [o.fileName, o.fileMode])).toEqual([
      ['db-password', 420],
      ['tls/bundle.pem', 384],
    ]);
  });
});
