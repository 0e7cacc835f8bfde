import { once } from 'node:events';
import { createServer } from 'node:net';
import { parseMountRequest } from '@keyvault-csi/spc';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AzureCredentials } from './azure-credentials.js';
import { CredentialError } from './credential-error.js';

// Its own file: MSAL keeps the managed-identity source (and its endpoint) in a static for the
// whole process, so the unreachable endpoint must be the first one this worker sees.

let endpoint: string;

beforeAll(async () => {
  // A port that was free a moment ago: connections are refused.
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  endpoint = `http://127.0.0.1:${port}`;
  process.env['AZURE_POD_IDENTITY_AUTHORITY_HOST'] = endpoint;
});

afterAll(() => {
  delete process.env['AZURE_POD_IDENTITY_AUTHORITY_HOST'];
});

it('reports an unreachable instance metadata service with its endpoint and the NO_PROXY hint', async () => {
  const plan = parseMountRequest({
    attributes: JSON.stringify({
      useVMManagedIdentity: 'true',
      keyvaultName: 'kv-demo',
      tenantId: 'tid',
      objects: 'array:\n  - |\n    objectName: s1\n    objectType: secret\n',
      'csi.storage.k8s.io/pod.name': 'web-0',
      'csi.storage.k8s.io/pod.namespace': 'shop',
    }),
    secrets: 'null',
    permission: '420',
  });
  const { credential } = await new AzureCredentials({ imdsMaxRetries: 0 }).forMount(plan);
  const error = await credential.getToken('https://vault.azure.net/.default').catch((e: unknown) => e);
  expect(error).toBeInstanceOf(CredentialError);
  expect((error as CredentialError).code).toBe('IMDS_UNREACHABLE');
  expect((error as CredentialError).message).toMatch(
    new RegExp(
      `^VM managed identity \\(system-assigned\\): the instance metadata service is not reachable at ${endpoint}: .+ \\(is this an Azure VM\\? behind a proxy, NO_PROXY must include 169\\.254\\.169\\.254\\)$`,
    ),
  );
});
