import { type MountPlan, parseMountRequest } from '@keyvault-csi/spc';
import { describe, expect, it } from 'vitest';
import { identityKeyFor, podIdentityKeyFor } from './identity-key.js';

const ID_A = '11111111-aaaa-4aaa-8aaa-000000000001';
const ID_B = '22222222-bbbb-4bbb-8bbb-000000000002';
const TENANT = '72f988bf-0000-0000-0000-000000000000';

function plan(pod: { name: string; uid: string }, parameters: Record<string, string> = {}): MountPlan {
  return parseMountRequest(
    {
      attributes: JSON.stringify({
        usePodIdentity: 'true',
        keyvaultName: 'kv-demo',
        tenantId: TENANT,
        objects: 'array:\n  - |\n    objectName: s\n    objectType: secret\n',
        'csi.storage.k8s.io/pod.name': pod.name,
        'csi.storage.k8s.io/pod.namespace': 'team',
        'csi.storage.k8s.io/pod.uid': pod.uid,
        ...parameters,
      }),
      secrets: 'null',
      permission: '420',
    },
    { defaultCloudName: 'AzurePublicCloud' },
  );
}

const web0 = plan({ name: 'web-0', uid: '00000000-0000-4000-8000-000000000000' });
const web1 = plan({ name: 'web-1', uid: '00000000-0000-4000-8000-000000000001' });

describe('podIdentityKeyFor', () => {
  it('is the same for two pods NMI resolved to the same identity (client id case aside)', () => {
    expect(podIdentityKeyFor(web0, { clientId: ID_A, tenantId: TENANT })).toBe(
      podIdentityKeyFor(web1, { clientId: ID_A.toUpperCase(), tenantId: TENANT }),
    );
    // The SecretProviderClass's podIdentityClientID and tenantId do not matter, NMI's answer does.
    const picked = plan(
      { name: 'web-2', uid: '00000000-0000-4000-8000-000000000002' },
      { podIdentityClientID: ID_A, tenantId: 'other-tenant' },
    );
    expect(podIdentityKeyFor(picked, { clientId: ID_A, tenantId: TENANT })).toBe(
      podIdentityKeyFor(web0, { clientId: ID_A, tenantId: TENANT }),
    );
  });

  it('differs for another resolved client id, token tenant or object id, another cloud or another vault', () => {
    const base = podIdentityKeyFor(web0, { clientId: ID_A, tenantId: TENANT });
    const others = [
      podIdentityKeyFor(web0, { clientId: ID_B, tenantId: TENANT }),
      podIdentityKeyFor(web0, { clientId: ID_A, tenantId: 'another-tenant' }),
      podIdentityKeyFor(web0, { clientId: ID_A, tenantId: undefined }),
      podIdentityKeyFor(web0, { clientId: ID_A, tenantId: TENANT, objectId: 'oid-2' }),
      podIdentityKeyFor(
        plan(
          { name: 'web-0', uid: '00000000-0000-4000-8000-000000000000' },
          { cloudName: 'AzureUSGovernmentCloud' },
        ),
        {
          clientId: ID_A,
          tenantId: TENANT,
        },
      ),
      podIdentityKeyFor(
        plan({ name: 'web-0', uid: '00000000-0000-4000-8000-000000000000' }, { keyvaultName: 'kv-other' }),
        {
          clientId: ID_A,
          tenantId: TENANT,
        },
      ),
    ];
    expect(new Set([base, ...others]).size).toBe(others.length + 1);
  });

  it('cannot be made for pod identity without what NMI resolved', () => {
    expect(() => identityKeyFor(web0)).toThrow(/podIdentityKeyFor/);
  });
});
