import {
  AZURE_PUBLIC_LOGIN_HOST,
  FakeAzureAd,
  FakeImds,
  issueServiceAccountToken,
  serviceAccountSubject,
  serviceAccountTokensAttribute,
} from '@keyvault-csi/fake-azure-ad';
import { KeyVaultEmulator } from '@keyvault-csi/keyvault-emulator';
import { type MountPlan, parseMountRequest } from '@keyvault-csi/spc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AzureCredentials } from './azure-credentials.js';
import { CredentialError } from './credential-error.js';
import { ModeCredential } from './mode-credential.js';
import { TokenAgeLimit } from './token-age-limit.js';

// Real @azure/identity against the fake Azure AD, reached as https://login.microsoftonline.com
// through the Key Vault emulator's CONNECT proxy and the shared test CA (NODE_EXTRA_CA_CERTS from
// the global setup), and against the fake IMDS through AZURE_POD_IDENTITY_AUTHORITY_HOST.

const TENANT = '72f988bf-0000-0000-0000-000000000000';
const SCOPE = 'https://vault.azure.net/.default';
const SP_ID = '11111111-0000-0000-0000-00000000000a';
const SP_SECRET = 'the~right~secret~value';
const WI_ID = '11111111-0000-0000-0000-00000000000b';
const UA_ID = '11111111-0000-0000-0000-00000000000c';
const SYSTEM_ID = '11111111-0000-0000-0000-00000000000d';

let kv: KeyVaultEmulator;
let aad: FakeAzureAd;
let imds: FakeImds;

beforeAll(async () => {
  const tlsDir = process.env['CSI_DRIVER_TLS_DIR'];
  if (!tlsDir) throw new Error('run through the csi-driver vitest config (globalSetup)');
  kv = await KeyVaultEmulator.start({ tlsDir });
  aad = new FakeAzureAd({
    applications: [
      { clientId: SP_ID, tenantId: TENANT, secrets: [SP_SECRET] },
      {
        clientId: WI_ID,
        tenantId: TENANT,
        federatedCredentials: [{ subject: serviceAccountSubject('shop', 'web') }],
      },
    ],
  });
  kv.registerHost(AZURE_PUBLIC_LOGIN_HOST, aad.handler);
  imds = await FakeImds.start({ systemAssigned: SYSTEM_ID, userAssigned: [UA_ID] });
  // Without NO_PROXY the SDK would send the plain-HTTP IMDS request through HTTPS_PROXY too (the
  // reason a node behind a proxy needs NO_PROXY=169.254.169.254).
  process.env['NO_PROXY'] = '127.0.0.1';
  delete process.env['no_proxy'];
  process.env['HTTPS_PROXY'] = kv.proxyUrl;
  process.env['AZURE_POD_IDENTITY_AUTHORITY_HOST'] = imds.url;
});

afterAll(async () => {
  delete process.env['HTTPS_PROXY'];
  delete process.env['NO_PROXY'];
  delete process.env['AZURE_POD_IDENTITY_AUTHORITY_HOST'];
  await Promise.all([kv?.stop(), imds?.stop()]);
});

function plan(parameters: Record<string, string>, secrets: unknown = null): MountPlan {
  return parseMountRequest({
    attributes: JSON.stringify({
      keyvaultName: 'kv-demo',
      tenantId: TENANT,
      objects: 'array:\n  - |\n    objectName: s1\n    objectType: secret\n',
      'csi.storage.k8s.io/pod.name': 'web-0',
      'csi.storage.k8s.io/pod.namespace': 'shop',
      ...parameters,
    }),
    secrets: JSON.stringify(secrets),
    permission: '420',
  });
}

function appIdOf(token: string): string {
  const payload = token.split('.')[1] ?? '';
  return (JSON.parse(Buffer.from(payload, 'base64url').toString()) as { appid: string }).appid;
}

async function failure(promise: Promise<unknown>): Promise<CredentialError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof CredentialError))
    throw new Error(`expected a CredentialError, got ${String(error)}`);
  return error;
}

describe('service principal', () => {
  it('reuses the credential (and its token) for the same secret, and never for another secret', async () => {
    const credentials = new AzureCredentials();
    const right = await credentials.forMount(plan({}, { clientid: SP_ID, clientsecret: SP_SECRET }));
    const token = await right.credential.getToken(SCOPE, { tenantId: TENANT });
    expect(appIdOf(token?.token ?? '')).toBe(SP_ID);

    const again = await credentials.forMount(plan({}, { clientid: SP_ID, clientsecret: SP_SECRET }));
    await again.credential.getToken(SCOPE, { tenantId: TENANT });
    expect(again.identityKey).toBe(right.identityKey);
    expect(aad.tokenRequests(SP_ID)).toBe(1);
    expect(credentials.cachedCredentials).toBe(1);

    const wrong = await credentials.forMount(plan({}, { clientid: SP_ID, clientsecret: 'a~wrong~secret' }));
    expect(wrong.identityKey).not.toBe(right.identityKey);
    expect(wrong.identityKey).not.toContain('a~wrong~secret');
    const error = await failure(wrong.credential.getToken(SCOPE, { tenantId: TENANT }));
    expect(error.code).toBe('AAD_REJECTED');
    expect(error.message).toMatch(
      new RegExp(
        `^service principal ${SP_ID} in tenant ${TENANT}: Azure AD refused the token request \\(invalid_client\\): AADSTS7000215: Invalid client secret provided\\. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${SP_ID}'\\.$`,
      ),
    );
    expect(error.message).not.toContain('a~wrong~secret');
  });

  it('refuses a vault of another tenant before asking Azure AD', async () => {
    const before = aad.tokenRequests();
    const { credential } = await new AzureCredentials().forMount(
      plan({}, { clientid: SP_ID, clientsecret: SP_SECRET }),
    );
    const error = await failure(credential.getToken(SCOPE, { tenantId: 'another-tenant' }));
    expect(error.code).toBe('TENANT_MISMATCH');
    expect(error.message).toContain(
      `the Key Vault belongs to tenant another-tenant (from its authentication challenge) but the SecretProviderClass tenantId is ${TENANT}`,
    );
    expect(aad.tokenRequests()).toBe(before);
  });
});

describe('bounded revocation (--token-cache-max-age)', () => {
  it('asks Azure AD again once the cached credential is older than the limit: a removed secret is refused', async () => {
    const secret = 'a~secret~removed~later';
    const clientId = aad.addApplication({
      clientId: '11111111-0000-0000-0000-0000000000e1',
      tenantId: TENANT,
      secrets: [secret],
    });
    let now = Date.now();
    const credentials = new AzureCredentials({ tokenAgeLimit: new TokenAgeLimit(60_000, () => now) });
    const mount = () => credentials.forMount(plan({}, { clientid: clientId, clientsecret: secret }));
    const first = await (await mount()).credential.getToken(SCOPE, { tenantId: TENANT });
    // The SDK client sees the token expire when the limit ends it, and comes back then.
    expect(first?.expiresOnTimestamp).toBeLessThanOrEqual(now + 60_000);

    aad.removeSecret(clientId, secret, TENANT);
    now += 59_000;
    // Inside the limit the removal is not seen: the credential's own token cache answers.
    expect((await (await mount()).credential.getToken(SCOPE, { tenantId: TENANT }))?.token).toBe(
      first?.token,
    );
    expect(aad.tokenRequests(clientId)).toBe(1);

    now += 1000;
    const error = await failure((await mount()).credential.getToken(SCOPE, { tenantId: TENANT }));
    expect(error.code).toBe('AAD_REJECTED');
    expect(error.message).toContain('AADSTS7000215');
    expect(aad.tokenRequests(clientId)).toBe(2);
  });
});

describe('tokens are checked against the identity the shared clients are keyed by', () => {
  it('refuses a token whose appid or tid is not the expected identity, without quoting it', async () => {
    const sp = await new AzureCredentials().forMount(plan({}, { clientid: SP_ID, clientsecret: SP_SECRET }));
    const context = { who: 'service principal under test', source: 'aad' as const, redact: [] };
    const otherClient = '22222222-0000-0000-0000-0000000000aa';
    const wrongClient = new ModeCredential(sp.credential, TENANT, context, otherClient);
    const clientError = await failure(wrongClient.getToken(SCOPE, { tenantId: TENANT }));
    expect(clientError.code).toBe('IDENTITY_MISMATCH');
    expect(clientError.message).toBe(
      'service principal under test: refusing a token issued for another identity (its appid is 1111##### REDACTED #####000a): it must not reach the Key Vault clients shared by this identity',
    );
    const otherTenant = '33333333-0000-0000-0000-0000000000bb';
    const wrongTenant = new ModeCredential(sp.credential, otherTenant, context, SP_ID);
    const tenantError = await failure(wrongTenant.getToken(SCOPE));
    expect(tenantError.code).toBe('IDENTITY_MISMATCH');
    expect(tenantError.message).toContain(`its tid is ${TENANT}`);
    expect(`${clientError.message}${tenantError.message}`).not.toMatch(/eyJ/);
    // The right identity passes, whatever the spelling; a domain-name tenant is not compared.
    await expect(
      new ModeCredential(sp.credential, TENANT.toUpperCase(), context, SP_ID.toUpperCase()).getToken(SCOPE),
    ).resolves.toBeTruthy();
    await expect(
      new ModeCredential(sp.credential, 'contoso.onmicrosoft.com', context, SP_ID).getToken(SCOPE),
    ).resolves.toBeTruthy();
  });
});

describe('workload identity', () => {
  const tokens = (serviceAccount: string) =>
    serviceAccountTokensAttribute({
      'api://AzureADTokenExchange': issueServiceAccountToken({ namespace: 'shop', serviceAccount }),
    });

  it('exchanges the federated service account token; another token gets its own key', async () => {
    const credentials = new AzureCredentials();
    const web = await credentials.forMount(
      plan({ clientID: WI_ID, 'csi.storage.k8s.io/serviceAccount.tokens': tokens('web') }),
    );
    const token = await web.credential.getToken(SCOPE, { tenantId: TENANT });
    expect(appIdOf(token?.token ?? '')).toBe(WI_ID);

    const intruder = await credentials.forMount(
      plan({ clientID: WI_ID, 'csi.storage.k8s.io/serviceAccount.tokens': tokens('intruder') }),
    );
    expect(intruder.identityKey).not.toBe(web.identityKey);
    const error = await failure(intruder.credential.getToken(SCOPE, { tenantId: TENANT }));
    expect(error.code).toBe('AAD_REJECTED');
    expect(error.message).toContain(
      "AADSTS700213: No matching federated identity record found for presented assertion subject 'system:serviceaccount:shop:intruder'.",
    );
    expect(error.message).not.toMatch(/eyJ/);
  });
});

describe('VM managed identity', () => {
  it('asks IMDS for the system-assigned or the user-assigned identity, ignoring the tenant', async () => {
    const credentials = new AzureCredentials();
    const system = await credentials.forMount(plan({ useVMManagedIdentity: 'true' }));
    const user = await credentials.forMount(
      plan({ useVMManagedIdentity: 'true', userAssignedIdentityID: UA_ID }),
    );
    const systemToken = await system.credential.getToken(SCOPE, { tenantId: 'whatever-tenant' });
    const userToken = await user.credential.getToken(SCOPE, { tenantId: 'whatever-tenant' });
    expect(appIdOf(systemToken?.token ?? '')).toBe(SYSTEM_ID);
    expect(appIdOf(userToken?.token ?? '')).toBe(UA_ID);
    expect(system.identityKey).not.toBe(user.identityKey);
  });

  it('names the identity IMDS does not know', async () => {
    const unknown = '11111111-0000-0000-0000-0000000000ff';
    const { credential } = await new AzureCredentials().forMount(
      plan({ useVMManagedIdentity: 'true', userAssignedIdentityID: unknown }),
    );
    const error = await failure(credential.getToken(SCOPE, {}));
    expect(error.code).toBe('IMDS_IDENTITY_NOT_FOUND');
    expect(error.message).toBe(
      `VM managed identity (user-assigned, client id ${unknown}): the instance metadata service at ${imds.url} has no such identity on this node: Identity not found (assign the identity to the node pool, e.g. az vmss identity assign)`,
    );
  });
});
