import { ManagedIdentityCredential } from '@azure/identity';
import { verifyTestToken } from '@keyvault-csi/test-tokens';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeImds } from './fake-imds.js';

const SYSTEM = '11111111-0000-0000-0000-0000000000a1';
const USER = '11111111-0000-0000-0000-0000000000a2';

let imds: FakeImds;

beforeAll(async () => {
  imds = await FakeImds.start({ systemAssigned: SYSTEM, userAssigned: [USER] });
  // How @azure/identity (and MSAL) find it; real nodes use http://169.254.169.254.
  process.env['AZURE_POD_IDENTITY_AUTHORITY_HOST'] = imds.url;
  process.env['NO_PROXY'] = '127.0.0.1';
});

afterAll(async () => {
  delete process.env['AZURE_POD_IDENTITY_AUTHORITY_HOST'];
  await imds.stop();
});

const appid = (token: string | undefined) => {
  const check = verifyTestToken(token ?? '');
  return check.ok ? check.claims.appid : check.reason;
};

describe('FakeImds', () => {
  it('serves the system-assigned and user-assigned identities to the real ManagedIdentityCredential', async () => {
    const system = await new ManagedIdentityCredential().getToken('https://vault.azure.net/.default');
    const user = await new ManagedIdentityCredential({ clientId: USER }).getToken(
      'https://vault.azure.net/.default',
    );
    expect(appid(system?.token)).toBe(SYSTEM);
    expect(appid(user?.token)).toBe(USER);
    expect(imds.requests.map((r) => [r.clientId, r.resource, r.status])).toEqual([
      [undefined, 'https://vault.azure.net', 200],
      [USER, 'https://vault.azure.net', 200],
    ]);
  });

  it('answers IMDS errors: identity not found, missing Metadata header', async () => {
    const unknown = await fetch(
      `${imds.url}/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://vault.azure.net&client_id=nobody`,
      { headers: { Metadata: 'true' } },
    );
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toEqual({
      error: 'invalid_request',
      error_description: 'Identity not found',
    });
    const noHeader = await fetch(
      `${imds.url}/metadata/identity/oauth2/token?api-version=2018-02-01&resource=x`,
    );
    expect(await noHeader.json()).toEqual({
      error: 'invalid_request',
      error_description: 'Required metadata header not specified',
    });
    imds.setSystemAssigned(undefined);
    const noSystem = await fetch(
      `${imds.url}/metadata/identity/oauth2/token?api-version=2018-02-01&resource=x`,
      {
        headers: { Metadata: 'true' },
      },
    );
    expect(noSystem.status).toBe(400);
  });
});
