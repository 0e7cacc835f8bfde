import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyTestToken } from '@keyvault-csi/test-tokens';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeAzureAd } from './fake-azure-ad.js';
import { issueServiceAccountToken, serviceAccountSubject } from './service-account-token.js';

const TENANT = '72f988bf-0000-0000-0000-000000000000';
const SP = '11111111-0000-0000-0000-000000000001';
const WI = '11111111-0000-0000-0000-000000000002';

let aad: FakeAzureAd;
let server: Server;
let base: string;

beforeAll(async () => {
  aad = new FakeAzureAd({
    applications: [
      { clientId: SP, secrets: ['right'] },
      { clientId: WI, federatedCredentials: [{ subject: serviceAccountSubject('shop', 'web') }] },
    ],
  });
  // Plain HTTP here; in use the handler is a host of the Key Vault emulator (HTTPS through its proxy).
  server = createServer((req, res) => void aad.handler(req, res)).listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.close();
  await once(server, 'close');
});

async function token(form: Record<string, string>, tenant = TENANT) {
  const response = await fetch(`${base}/${tenant}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      scope: 'https://vault.azure.net/.default',
      ...form,
    }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('FakeAzureAd', () => {
  it('issues a test token for the resource with appid = client id for the right secret', async () => {
    const { status, body } = await token({ client_id: SP, client_secret: 'right' });
    expect(status).toBe(200);
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3599 });
    const check = verifyTestToken(String(body['access_token']));
    expect(check.ok && check.claims).toMatchObject({
      aud: 'https://vault.azure.net',
      appid: SP,
      tid: TENANT,
    });
  });

  it('answers the AADSTS errors of the real service', async () => {
    const wrong = await token({ client_id: SP, client_secret: 'wrong' });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({ error: 'invalid_client', error_codes: [7000215] });
    expect(String(wrong.body['error_description'])).toMatch(
      /^AADSTS7000215: Invalid client secret provided\./,
    );
    expect(JSON.stringify(wrong.body)).not.toContain('wrong"');

    const unknown = await token({ client_id: 'nobody', client_secret: 'x' });
    expect(unknown).toMatchObject({
      status: 400,
      body: { error: 'unauthorized_client', error_codes: [700016] },
    });
    const tenant = await token({ client_id: SP, client_secret: 'right' }, 'no-such-tenant');
    expect(tenant.body).toMatchObject({ error: 'invalid_request', error_codes: [90002] });
    const none = await token({ client_id: SP });
    expect(none.body).toMatchObject({ error_codes: [7000216] });
  });

  it('accepts a federated service account token and names the subject it does not know', async () => {
    const assertion = (serviceAccount: string) => ({
      client_id: WI,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: issueServiceAccountToken({ namespace: 'shop', serviceAccount }).token,
    });
    expect((await token(assertion('web'))).status).toBe(200);
    const other = await token(assertion('intruder'));
    expect(other.body).toMatchObject({ error: 'invalid_client', error_codes: [700213] });
    expect(String(other.body['error_description'])).toContain(
      "subject 'system:serviceaccount:shop:intruder'",
    );
    const forged = await token({
      ...assertion('web'),
      client_assertion: issueServiceAccountToken({
        namespace: 'shop',
        serviceAccount: 'web',
        signingKey: 'other',
      }).token,
    });
    expect(forged.body).toMatchObject({ error_codes: [700027] });
    const otherIssuer = await token({
      ...assertion('web'),
      client_assertion: issueServiceAccountToken({
        namespace: 'shop',
        serviceAccount: 'web',
        issuer: 'https://elsewhere/',
      }).token,
    });
    expect(otherIssuer.body).toMatchObject({ error_codes: [70021] });
  });

  it('serves instance discovery and the OpenID configuration MSAL asks for', async () => {
    const discovery = await fetch(
      `${base}/common/discovery/instance?api-version=1.1&authorization_endpoint=https://login.microsoftonline.com/${TENANT}/oauth2/v2.0/authorize`,
    );
    expect(await discovery.json()).toMatchObject({
      'api-version': '1.1',
      metadata: [{ aliases: [expect.any(String)] }],
    });
    const config = (await (
      await fetch(`${base}/${TENANT}/v2.0/.well-known/openid-configuration`)
    ).json()) as Record<string, string>;
    expect(config['token_endpoint']).toMatch(new RegExp(`/${TENANT}/oauth2/v2.0/token$`));
    expect(config['issuer']).toMatch(new RegExp(`/${TENANT}/v2.0$`));
  });

  it('logs requests without secrets or assertions', () => {
    expect(aad.tokenRequests(SP)).toBeGreaterThan(0);
    const log = JSON.stringify(aad.requests);
    expect(log).not.toContain('right');
    expect(log).not.toMatch(/eyJ/);
  });
});
