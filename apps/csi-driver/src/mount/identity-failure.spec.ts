import { status } from '@grpc/grpc-js';
import { MountFetchError } from '@keyvault-csi/keyvault-fetcher';
import { NmiError } from '@keyvault-csi/nmi-client';
import { parseMountRequest } from '@keyvault-csi/spc';
import { describe, expect, it } from 'vitest';
import { mountErrorStatus } from './error-status.js';
import { identityResolutionFailure } from './identity-failure.js';

const plan = parseMountRequest(
  {
    attributes: JSON.stringify({
      usePodIdentity: 'true',
      keyvaultName: 'kv-demo',
      tenantId: 'tenant',
      objects: [
        'array:',
        '  - |\n    objectName: db\n    objectType: secret',
        '  - |\n    objectName: tls\n    objectType: cert\n    objectVersion: 0123456789abcdef0123456789abcdef',
        '  - |\n    objectName: signing\n    objectType: key\n    objectVersionHistory: 3',
        '',
      ].join('\n'),
      'csi.storage.k8s.io/pod.name': 'web-0',
      'csi.storage.k8s.io/pod.namespace': 'team',
    }),
    secrets: 'null',
    permission: '420',
  },
  { defaultCloudName: 'AzurePublicCloud' },
);

describe('identityResolutionFailure', () => {
  it('names every object as the fetcher would, keeps the NmiError as cause and its gRPC code', () => {
    const nmi = new NmiError('nmi response failed with status code: 404, response body: not assigned', {
      code: 'NMI_NOT_FOUND',
    });
    const failure = identityResolutionFailure(nmi, plan, 3000);
    expect(failure).toBeInstanceOf(MountFetchError);
    const fetchError = failure as MountFetchError;
    expect(fetchError.failures.map((f) => [f.error.kind, f.error.cause])).toEqual([
      ['credential', nmi],
      ['credential', nmi],
      ['credential', nmi],
    ]);
    expect(fetchError.message).toBe(
      [
        'failed to get objectType:secret, objectName:db, objectVersion:: failed to get a token for Key Vault get of secrets/db: ' +
          nmi.message,
        'failed to get objectType:cert, objectName:tls, objectVersion:0123456789abcdef0123456789abcdef: ' +
          'failed to get a token for Key Vault get of certificates/tls/0123456789abcdef0123456789abcdef: ' +
          nmi.message,
        'failed to get objectType:key, objectName:signing, objectVersion:: failed to get a token for Key Vault list of keys/signing: ' +
          nmi.message,
      ].join('; '),
    );
    const mapped = mountErrorStatus(failure);
    expect([mapped.code, mapped.errorCode]).toEqual([status.FAILED_PRECONDITION, 'NMI_NOT_FOUND']);
  });

  it('turns NMI_TIMEOUT into the deadline text of a token still awaited', () => {
    const nmi = new NmiError('deadline exceeded waiting for a token from NMI', { code: 'NMI_TIMEOUT' });
    const failure = identityResolutionFailure(nmi, plan, 2000.4) as MountFetchError;
    expect(failure.failures[0]?.error.message).toBe(
      "context deadline exceeded: still waiting for the access token (NMI / identity endpoint) needed for Key Vault get of secrets/db on kv-demo.vault.azure.net when the mount's 2000 ms ran out",
    );
    expect(mountErrorStatus(failure).code).toBe(status.DEADLINE_EXCEEDED);
  });

  it('leaves anything that is not an NmiError alone', () => {
    const other = new Error('boom');
    expect(identityResolutionFailure(other, plan, 1000)).toBe(other);
  });
});
