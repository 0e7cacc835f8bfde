import { SecretClient } from '@azure/keyvault-secrets';
import { issueTestToken, objectIdForClient } from '@keyvault-csi/test-tokens';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KeyVaultEmulator } from '../src/index.js';
import { rawGet, TEST_TLS_DIR, TestTokenCredential } from './helpers.js';

const TENANT = '11111111-2222-3333-4444-555555555555';

describe('challenge authentication, token checks and authorisation', () => {
  let kv: KeyVaultEmulator;
  const client = (cred: TestTokenCredential) =>
    new SecretClient(kv.url, cred, { disableChallengeResourceVerification: true });

  beforeAll(async () => {
    kv = await KeyVaultEmulator.start({ tlsDir: TEST_TLS_DIR });
    kv.addVault('kv-auth', { tenantId: TENANT, location: 'westeurope' })
      .grant('allowed', { secrets: ['get'] })
      .grant(objectIdForClient('by-object-id'), { secrets: ['get'] })
      .setSecret('s', 'value');
  });
  afterAll(() => kv.stop());
  beforeEach(() => {
    const vault = kv.vault('kv-auth');
    vault.challenge = 'standard';
    vault.rbac(false);
    vault.firewall(undefined);
    kv.resetStats();
  });

  it('challenges a request without Authorization with the exact WWW-Authenticate header and AKV10000', async () => {
    const res = await rawGet(`${kv.url}/secrets/s/?api-version=2025-07-01`);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe(
      `Bearer authorization="https://login.microsoftonline.com/${TENANT}", resource="https://vault.azure.net"`,
    );
    expect(JSON.parse(res.body)).toEqual({
      error: { code: 'Unauthorized', message: 'AKV10000: Request is missing a Bearer or PoP token.' },
    });
  });

  it('passes the tenant from the challenge to getToken and works with the scope= form', async () => {
    const tenants: (string | undefined)[] = [];
    const cred = new TestTokenCredential('allowed');
    const spy = {
      getToken: (scopes: string | string[], options?: { tenantId?: string }) => {
        tenants.push(options?.tenantId);
        return cred.getToken(scopes, options);
      },
    };
    expect(
      (await new SecretClient(kv.url, spy, { disableChallengeResourceVerification: true }).getSecret('s'))
        .value,
    ).toBe('value');
    expect(tenants).toEqual([TENANT]);
    kv.vault('kv-auth').challenge = 'scope';
    expect((await client(cred).getSecret('s')).value).toBe('value');
    expect(cred.scopesSeen.at(-1)).toBe('https://vault.azure.net/.default');
  });

  it('surfaces a 401 without WWW-Authenticate and a bad authorization URI the way the SDK reports them', async () => {
    kv.vault('kv-auth').challenge = 'no-header';
    await expect(client(new TestTokenCredential('allowed')).getSecret('s')).rejects.toMatchObject({
      statusCode: 401,
      code: 'Unauthorized',
    });
    kv.vault('kv-auth').challenge = 'bad-authorization';
    await expect(client(new TestTokenCredential('allowed')).getSecret('s')).rejects.toThrow(
      "The challenge authorization URI 'not-a-uri' is invalid.",
    );
  });

  it('refuses a token for another audience with 401 AKV10022 after the SDK retried the challenge once', async () => {
    const cred = new TestTokenCredential('allowed', { audience: 'https://vault.azure.net/' });
    await expect(client(cred).getSecret('s')).rejects.toMatchObject({
      statusCode: 401,
      code: 'Unauthorized',
      message:
        'AKV10022: Invalid audience. Expected https://vault.azure.net, found: https://vault.azure.net/.',
    });
    // The probe's challenge is answered once; a 401 on that authorised request is final.
    expect(kv.stats()).toMatchObject({ probes: 1, rejected: 1, authorized: 0 });
  });

  it('refuses expired, forged and other-tenant tokens with 401', async () => {
    const url = `${kv.url}/secrets/s/?api-version=2025-07-01`;
    const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
    const expired = issueTestToken({
      audience: 'https://vault.azure.net',
      clientId: 'allowed',
      tenantId: TENANT,
      nowMs: Date.now() - 7_200_000,
    });
    const forged = issueTestToken({
      audience: 'https://vault.azure.net',
      clientId: 'allowed',
      tenantId: TENANT,
      signingKey: 'other',
    });
    const otherTenant = issueTestToken({ audience: 'https://vault.azure.net', clientId: 'allowed' });
    for (const token of [expired.token, forged.token, otherTenant.token, 'junk']) {
      const res = await rawGet(url, bearer(token));
      expect(res.status).toBe(401);
      expect(JSON.parse(res.body).error.code).toBe('Unauthorized');
      expect(res.headers['www-authenticate']).toContain('authorization="https://login.microsoftonline.com/');
    }
    const good = issueTestToken({
      audience: 'https://vault.azure.net',
      clientId: 'allowed',
      tenantId: TENANT,
    });
    expect((await rawGet(url, bearer(good.token))).status).toBe(200);
  });

  it('answers identities without the permission with 403 Forbidden / AccessDenied naming appid, permission and vault', async () => {
    await expect(client(new TestTokenCredential('allowed')).getSecret('s')).resolves.toMatchObject({
      value: 'value',
    });
    const err = await client(new TestTokenCredential('stranger'))
      .getSecret('s')
      .catch((e: unknown) => e);
    expect(err).toMatchObject({
      statusCode: 403,
      code: 'Forbidden',
      details: { error: { innerError: { code: 'AccessDenied' } } },
    });
    expect((err as Error).message).toBe(
      `The user, group or application 'appid=stranger;oid=${objectIdForClient('stranger')};iss=https://sts.windows.net/${TENANT}/' ` +
        "does not have secrets get permission on key vault 'kv-auth;location=westeurope'. " +
        'For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125287',
    );
    const list = client(new TestTokenCredential('allowed')).listPropertiesOfSecretVersions('s');
    // The SDK's pager reports list failures with its own message but keeps status and code.
    await expect(list.next()).rejects.toMatchObject({ statusCode: 403, code: 'Forbidden' });
    expect(kv.requests.at(-1)).toMatchObject({
      path: '/secrets/s/versions',
      status: 403,
      errorCode: 'AccessDenied',
    });
    expect((await client(new TestTokenCredential('by-object-id')).getSecret('s')).value).toBe('value');
  });

  it('uses the ForbiddenByRbac and ForbiddenByFirewall texts in those modes', async () => {
    kv.vault('kv-auth').rbac();
    const rbac = await client(new TestTokenCredential('stranger'))
      .getSecret('s')
      .catch((e: unknown) => e);
    expect(rbac).toMatchObject({
      statusCode: 403,
      details: { error: { innerError: { code: 'ForbiddenByRbac' } } },
    });
    expect((rbac as Error).message).toContain("Action: 'Microsoft.KeyVault/vaults/secrets/getSecret/action'");
    expect((rbac as Error).message).toContain(
      "DecisionReason: 'DeniedWithNoValidRBAC' \r\nVault: kv-auth;location=westeurope\r\n",
    );
    kv.vault('kv-auth').firewall('203.0.113.7');
    const fw = await client(new TestTokenCredential('allowed'))
      .getSecret('s')
      .catch((e: unknown) => e);
    expect(fw).toMatchObject({
      statusCode: 403,
      details: { error: { innerError: { code: 'ForbiddenByFirewall' } } },
    });
    expect((fw as Error).message).toContain('Client address: 203.0.113.7');
  });

  it('sends a CAE claims challenge on demand; the SDK asks its credential again with the claims and resends', async () => {
    const cred = new TestTokenCredential('allowed');
    const sc = client(cred);
    expect((await sc.getSecret('s')).value).toBe('value');
    kv.injectFault({
      times: 1,
      action: { type: 'claims-challenge', claims: '{"access_token":{"nbf":{"essential":true}}}' },
    });
    try {
      expect((await sc.getSecret('s')).value).toBe('value');
    } finally {
      kv.clearFaults();
    }
    expect(cred.claimsSeen).toEqual([undefined, '{"access_token":{"nbf":{"essential":true}}}']);
    expect(kv.requests.filter((r) => !r.probe).map((r) => r.status)).toEqual([200, 401, 200]);
  });
});
