import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { status } from '@grpc/grpc-js';
import { ProviderStack, readExamplePod, readSecretProviderClass, readVisibleFiles } from '@keyvault-csi/demo';
import {
  AZURE_PUBLIC_LOGIN_HOST,
  FakeAzureAd,
  FakeImds,
  issueServiceAccountToken,
  serviceAccountSubject,
  serviceAccountTokensAttribute,
} from '@keyvault-csi/fake-azure-ad';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { mount, newPod, objectsYaml, type TestPod } from './support/mount.js';

// The service principal, workload identity and VM managed identity modes through the built daemon
// and the real @azure/identity: Azure AD is a fake served as https://login.microsoftonline.com by the
// Key Vault emulator's CONNECT proxy and test CA; IMDS is a fake on 127.0.0.1 reached through
// AZURE_POD_IDENTITY_AUTHORITY_HOST. No test hook in the daemon.

const root = path.resolve(import.meta.dirname, '../..');
const PREFIX = 'failed to mount objects, error: ';
/** The emulator's vaults live in the test-tokens default tenant. */
const TENANT = '72f988bf-0000-0000-0000-000000000000';
const TOKENS_KEY = 'csi.storage.k8s.io/serviceAccount.tokens';
const SECRET_OBJECTS = [{ objectName: 'secret1', objectType: 'secret' }];

let stack: ProviderStack;
let aad: FakeAzureAd;
let imds: FakeImds;
/** Every client secret, assertion and secret value handed out: none may reach the daemon's output. */
const sensitive: string[] = [];

beforeAll(async () => {
  imds = await FakeImds.start();
  aad = new FakeAzureAd();
  stack = await ProviderStack.start({ daemonEnv: { AZURE_POD_IDENTITY_AUTHORITY_HOST: imds.url } });
  stack.keyVault.registerHost(AZURE_PUBLIC_LOGIN_HOST, aad.handler);
});

afterAll(async () => {
  const exit = await stack?.daemon.stop();
  const output = stack?.daemon.output ?? '';
  await stack?.stop();
  await imds?.stop();
  for (const value of sensitive) expect(output).not.toContain(value);
  // One line per mount, with the identity mode and, on failure, the stable code.
  for (const mode of ['ServicePrincipal', 'WorkloadIdentity', 'VMManagedIdentity']) {
    expect(output).toContain(`"mode":"${mode}"`);
  }
  expect(output).toContain('"errorCode":"AAD_REJECTED"');
  expect(output).not.toMatch(/eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/);
  expect(exit?.code).toBe(0);
});

/** A vault of its own with `secret1` and `key1` (the examples' objects), readable by `readers`. */
function newVault(readers: readonly string[]): { name: string; value: string; version: string } {
  const name = `kv${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const vault = stack.keyVault.addVault(name);
  for (const reader of readers) vault.grant(reader, { secrets: ['get', 'list'], keys: ['get'] });
  const value = `value-${randomUUID()}`;
  sensitive.push(value);
  vault.setKey('key1', { jwk: { kty: 'EC', crv: 'P-256', x: EC_X, y: EC_Y } });
  return { name, value, version: vault.setSecret('secret1', value).version };
}

/** An app registration with one client secret. */
function servicePrincipal(): { clientId: string; secret: string } {
  const clientId = randomUUID();
  const secret = `sp~${randomUUID()}`;
  sensitive.push(secret);
  aad.addApplication({ clientId, tenantId: TENANT, secrets: [secret] });
  return { clientId, secret };
}

function spParameters(vault: string, extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  return { keyvaultName: vault, tenantId: TENANT, objects: objectsYaml(SECRET_OBJECTS), ...extra };
}

function credentials(clientId: string, secret: string): string {
  return JSON.stringify({ clientid: clientId, clientsecret: secret });
}

/** A service account federated with a new identity, and the tokens attribute kubelet sends for it. */
function workloadIdentity(pod: TestPod, serviceAccount = 'workload-identity-sa') {
  const clientId = randomUUID();
  aad.addApplication({
    clientId,
    tenantId: TENANT,
    federatedCredentials: [{ subject: serviceAccountSubject(pod.namespace, serviceAccount) }],
  });
  return { clientId, tokens: tokensFor(pod.namespace, serviceAccount) };
}

function tokensFor(
  namespace: string,
  serviceAccount: string,
  audience = 'api://AzureADTokenExchange',
): string {
  const token = issueServiceAccountToken({ namespace, serviceAccount, audience });
  sensitive.push(token.token);
  return serviceAccountTokensAttribute({ [audience]: token });
}

describe('service principal', () => {
  it('mounts the example with the clientid/clientsecret of its nodePublishSecretRef Secret', async () => {
    const dir = path.join(root, 'examples/service-principal');
    const spc = readSecretProviderClass(path.join(dir, 'secretproviderclass.yaml'));
    const pod = readExamplePod(path.join(dir, 'pod.yaml'));
    const secretKeys = Object.keys(
      (parse(readFileSync(path.join(dir, 'secret.yaml'), 'utf8')) as { stringData: object }).stringData,
    );
    const sp = servicePrincipal();
    const vault = stack.keyVault.addVault('kvname');
    vault.grant(sp.clientId, { secrets: ['get'], keys: ['get'] });
    sensitive.push('sp-example-value');
    vault.setSecret('secret1', 'sp-example-value');
    vault.setKey('key1', { jwk: { kty: 'EC', crv: 'P-256', x: EC_X, y: EC_Y } });

    const outcome = await mount(
      stack,
      { ...spc.spec.parameters, tenantId: TENANT },
      { ...pod, uid: randomUUID() },
      {
        secrets: JSON.stringify(
          Object.fromEntries(secretKeys.map((k, i) => [k, [sp.clientId, sp.secret][i]])),
        ),
      },
    );

    expect(outcome.message).toBeUndefined();
    expect(secretKeys).toEqual(['clientid', 'clientsecret']);
    expect(readVisibleFiles(outcome.targetPath)['secret1']).toBe('sp-example-value');
    expect(outcome.files.map((f) => f.path)).toEqual(['secret1', 'key1']);
  });

  it('asks Azure AD once for repeated mounts, also of another vault', async () => {
    const sp = servicePrincipal();
    const first = newVault([sp.clientId]);
    const second = newVault([sp.clientId]);
    for (const vault of [first, first, second, second]) {
      const outcome = await mount(stack, spParameters(vault.name), newPod(), {
        secrets: credentials(sp.clientId, sp.secret),
      });
      expect(outcome.message).toBeUndefined();
      expect(outcome.files[0]?.contents.toString()).toBe(vault.value);
    }
    expect(aad.tokenRequests(sp.clientId)).toBe(1);
  });

  it('answers UNAUTHENTICATED with Azure AD reason for a wrong secret, even right after the right one', async () => {
    const sp = servicePrincipal();
    const vault = newVault([sp.clientId]);
    const pod = newPod();
    const right = await mount(stack, spParameters(vault.name), pod, {
      secrets: credentials(sp.clientId, sp.secret),
    });
    expect(right.message).toBeUndefined();

    const wrongSecret = `wrong~${randomUUID()}`;
    sensitive.push(wrongSecret);
    const wrong = await mount(stack, spParameters(vault.name), pod, {
      secrets: credentials(sp.clientId, wrongSecret),
    });

    expect(wrong.grpcCode).toBe(status.UNAUTHENTICATED);
    expect(wrong.message).toMatch(
      new RegExp(
        `^${PREFIX}failed to get objectType:secret, objectName:secret1, objectVersion:: .*service principal ${sp.clientId} in tenant ${TENANT}: Azure AD refused the token request \\(invalid_client\\): AADSTS7000215: Invalid client secret provided\\.`,
      ),
    );
    expect(wrong.message).not.toContain(wrongSecret);
    expect(wrong.message).not.toContain(sp.secret);
    expect(aad.tokenRequests(sp.clientId)).toBe(2);
    // The right secret still works afterwards (its cached client is untouched).
    const again = await mount(stack, spParameters(vault.name), pod, {
      secrets: credentials(sp.clientId, sp.secret),
    });
    expect(again.message).toBeUndefined();
  });

  it('answers UNAUTHENTICATED naming AADSTS700016 for a client Azure AD does not know', async () => {
    const clientId = randomUUID();
    const vault = newVault([clientId]);
    const outcome = await mount(stack, spParameters(vault.name), newPod(), {
      secrets: credentials(clientId, 'whatever-secret'),
    });
    expect(outcome.grpcCode).toBe(status.UNAUTHENTICATED);
    expect(outcome.message).toContain(
      `AADSTS700016: Application with identifier '${clientId}' was not found in the directory '${TENANT}'.`,
    );
  });

  it('answers DEADLINE_EXCEEDED naming the token wait when Azure AD does not answer in time', async () => {
    const sp = servicePrincipal();
    const vault = newVault([sp.clientId]);
    stack.keyVault.registerHost(AZURE_PUBLIC_LOGIN_HOST, async (req, res) => {
      await delay(4000);
      await aad.handler(req, res);
    });
    try {
      const outcome = await mount(stack, spParameters(vault.name), newPod(), {
        secrets: credentials(sp.clientId, sp.secret),
        timeoutMs: 3000,
      });
      expect(outcome.grpcCode).toBe(status.DEADLINE_EXCEEDED);
      expect(outcome.message).toContain('still waiting for the access token');
    } finally {
      stack.keyVault.registerHost(AZURE_PUBLIC_LOGIN_HOST, aad.handler);
    }
  });

  it.each([
    ['null', 'failed to get credentials, nodePublishSecretRef secret is not set'],
    [JSON.stringify({ clientsecret: 'only-the-secret' }), 'could not find clientid in secrets'],
    [JSON.stringify({ ClientID: randomUUID() }), 'could not find clientsecret in secrets'],
  ])('answers INVALID_ARGUMENT with the reference text for secrets %s', async (secrets, cause) => {
    const vault = newVault([]);
    const outcome = await mount(stack, spParameters(vault.name), newPod(), { secrets });
    expect(outcome.grpcCode).toBe(status.INVALID_ARGUMENT);
    expect(outcome.message).toBe(`${PREFIX}failed to build auth config for mode None: ${cause}`);
  });

  it('does not let one principal read the vault of another', async () => {
    const owner = servicePrincipal();
    const other = servicePrincipal();
    const vault = newVault([owner.clientId]);
    const outcome = await mount(stack, spParameters(vault.name), newPod(), {
      secrets: credentials(other.clientId, other.secret),
    });
    expect(outcome.grpcCode).toBe(status.PERMISSION_DENIED);
    expect(outcome.message).toContain(
      `403 AccessDenied: The user, group or application 'appid=${other.clientId};`,
    );
    expect(outcome.message).not.toContain(vault.value);
  });

  it('answers INVALID_ARGUMENT naming both tenants when the SecretProviderClass tenant is not the vault tenant', async () => {
    const sp = servicePrincipal();
    const vault = newVault([sp.clientId]);
    const otherTenant = randomUUID();
    const outcome = await mount(stack, spParameters(vault.name, { tenantId: otherTenant }), newPod(), {
      secrets: credentials(sp.clientId, sp.secret),
    });
    expect(outcome.grpcCode).toBe(status.INVALID_ARGUMENT);
    expect(outcome.message).toContain(
      `the Key Vault belongs to tenant ${TENANT} (from its authentication challenge) but the SecretProviderClass tenantId is ${otherTenant}`,
    );
    expect(aad.tokenRequests(sp.clientId)).toBe(0);
  });
});

describe('workload identity', () => {
  it('mounts the example with the service account token as client assertion', async () => {
    const dir = path.join(root, 'examples/workload-identity');
    const spc = readSecretProviderClass(path.join(dir, 'secretproviderclass.yaml'));
    const example = readExamplePod(path.join(dir, 'pod.yaml'));
    const pod = { ...example, uid: randomUUID() };
    const identity = workloadIdentity(pod);
    const vault = newVault([identity.clientId]);

    const outcome = await mount(
      stack,
      {
        ...spc.spec.parameters,
        clientID: identity.clientId,
        keyvaultName: vault.name,
        objects: objectsYaml(SECRET_OBJECTS),
        tenantId: TENANT,
        [TOKENS_KEY]: identity.tokens,
      },
      pod,
    );

    expect(outcome.message).toBeUndefined();
    expect(readVisibleFiles(outcome.targetPath)).toEqual({ secret1: vault.value });
    expect(aad.tokenRequests(identity.clientId)).toBe(1);
  });

  it('answers UNAUTHENTICATED with AADSTS700213 for a service account the identity is not federated with', async () => {
    const pod = newPod('web', 'shop');
    const identity = workloadIdentity(pod, 'web');
    const vault = newVault([identity.clientId]);
    const outcome = await mount(
      stack,
      spParameters(vault.name, { clientID: identity.clientId, [TOKENS_KEY]: tokensFor('shop', 'intruder') }),
      pod,
    );
    expect(outcome.grpcCode).toBe(status.UNAUTHENTICATED);
    expect(outcome.message).toContain(
      `workload identity ${identity.clientId} in tenant ${TENANT}: Azure AD refused the token request (invalid_client): AADSTS700213: No matching federated identity record found for presented assertion subject 'system:serviceaccount:shop:intruder'.`,
    );
  });

  it.each([
    ['without the tokens attribute', undefined, 'service account tokens not found'],
    ['without a token for the audience', 'other', 'token for audience api://AzureADTokenExchange not found'],
  ])('answers INVALID_ARGUMENT with the reference text %s', async (_case, audience, cause) => {
    const pod = newPod();
    const identity = workloadIdentity(pod);
    const vault = newVault([identity.clientId]);
    const extra: Record<string, string> = { clientID: identity.clientId };
    if (audience !== undefined)
      extra[TOKENS_KEY] = tokensFor(pod.namespace, 'workload-identity-sa', audience);
    const outcome = await mount(stack, spParameters(vault.name, extra), pod);
    expect(outcome.grpcCode).toBe(status.INVALID_ARGUMENT);
    expect(outcome.message).toBe(
      `${PREFIX}failed to build auth config for mode None: failed to parse workload identity tokens, error: ${cause}`,
    );
  });
});

describe('VM managed identity', () => {
  it('mounts the example with the system-assigned and with a user-assigned identity', async () => {
    const dir = path.join(root, 'examples/vm-managed-identity');
    const spc = readSecretProviderClass(path.join(dir, 'secretproviderclass.yaml'));
    const pod = { ...readExamplePod(path.join(dir, 'pod.yaml')), uid: randomUUID() };
    const systemAssigned = randomUUID();
    const userAssigned = randomUUID();
    imds.setSystemAssigned(systemAssigned);
    imds.assignUserIdentity(userAssigned);
    const bySystem = newVault([systemAssigned]);
    const byUser = newVault([userAssigned]);

    const system = await mount(
      stack,
      { ...spc.spec.parameters, userAssignedIdentityID: '', keyvaultName: bySystem.name },
      pod,
    );
    const user = await mount(
      stack,
      { ...spc.spec.parameters, userAssignedIdentityID: userAssigned, keyvaultName: byUser.name },
      pod,
    );

    expect(system.message).toBeUndefined();
    expect(user.message).toBeUndefined();
    expect(readVisibleFiles(system.targetPath)['secret1']).toBe(bySystem.value);
    expect(readVisibleFiles(user.targetPath)['secret1']).toBe(byUser.value);
    expect(user.files.map((f) => f.path)).toEqual(['secret1', 'key1']);
    expect(imds.tokenRequests('')).toBe(1);
    expect(imds.tokenRequests(userAssigned)).toBe(1);
    // The user-assigned identity cannot read the system-assigned identity's vault.
    const denied = await mount(
      stack,
      { ...spc.spec.parameters, userAssignedIdentityID: userAssigned, keyvaultName: bySystem.name },
      pod,
    );
    expect(denied.grpcCode).toBe(status.PERMISSION_DENIED);
  });

  it('answers FAILED_PRECONDITION for a user-assigned identity the node does not have', async () => {
    const unknown = randomUUID();
    const vault = newVault([unknown]);
    const outcome = await mount(
      stack,
      spParameters(vault.name, { useVMManagedIdentity: 'true', userAssignedIdentityID: unknown }),
      newPod(),
    );
    expect(outcome.grpcCode).toBe(status.FAILED_PRECONDITION);
    expect(outcome.message).toContain(
      `VM managed identity (user-assigned, client id ${unknown}): the instance metadata service at ${imds.url} has no such identity on this node: Identity not found`,
    );
  });
});

describe('mode selection', () => {
  it('refuses two mode flags at once with the reference text', async () => {
    const vault = newVault([]);
    const outcome = await mount(
      stack,
      spParameters(vault.name, { usePodIdentity: 'true', useVMManagedIdentity: 'true' }),
      newPod(),
    );
    expect(outcome.grpcCode).toBe(status.INVALID_ARGUMENT);
    expect(outcome.message).toBe(
      `${PREFIX}only one identity mode can be enabled at a time: usePodIdentity, useVMManagedIdentity, or useAzureTokenProxy`,
    );
  });

  it('counts mounts by identity mode', async () => {
    const metrics = await stack.metrics();
    for (const mode of ['ServicePrincipal', 'WorkloadIdentity', 'VMManagedIdentity']) {
      expect(metrics).toMatch(new RegExp(`mount_total\\{outcome="OK",mode="${mode}"\\} [1-9]`));
    }
    expect(metrics).toMatch(/mount_total\{outcome="UNAUTHENTICATED",mode="ServicePrincipal"\} [1-9]/);
  });
});

// A P-256 public key (any valid point) for the example's key1.
const EC_X = 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU';
const EC_Y = 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0';
