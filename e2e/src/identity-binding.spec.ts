import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { status } from '@grpc/grpc-js';
import { ProviderStack, readExamplePod, readSecretProviderClass, readVisibleFiles } from '@keyvault-csi/demo';
import {
  FakeAzureAd,
  issueServiceAccountToken,
  serviceAccountSubject,
  serviceAccountTokensAttribute,
} from '@keyvault-csi/fake-azure-ad';
import { FakeApiServer, FakeTokenProxy, type TestCa } from '@keyvault-csi/fake-token-proxy';
import { renderChart } from '@keyvault-csi/helm-template';
import { ensureTestTls } from '@keyvault-csi/keyvault-emulator';
import { CERTIFICATE_EXTENSIONS, makeCertificates } from '@keyvault-csi/test-pki';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mount, newPod, objectsYaml, type TestPod } from './support/mount.js';

// Identity binding (useAzureTokenProxy) through the built daemon and the real @azure/identity: the
// token request goes to a fake AKS token proxy on 127.0.0.1 (HTTPS, certificate for the SNI name
// signed by the test CA, which the daemon trusts through --token-proxy-ca-file), Key Vault to the
// emulator through HTTPS_PROXY. No test hook in the daemon.

const root = path.resolve(import.meta.dirname, '../..');
const PREFIX = 'failed to mount objects, error: ';
const TENANT = '72f988bf-0000-0000-0000-000000000000';
const AUDIENCE = 'api://AKSIdentityBinding';
const TOKENS_KEY = 'csi.storage.k8s.io/serviceAccount.tokens';
const SNI = 'aexample.ests.aks';
/** The spec's test vector: this cluster ID gives this SNI name. */
const CLUSTER_ID = '696995ccb303450001b31a18';
const COMPUTED_SNI = 'aeaf29ip1hi5q38ebc3u4daum81u0unk52t5bg50j25234fmuj78g.ests.aks';
const SECRET_OBJECTS = [{ objectName: 'secret1', objectType: 'secret' }];

let workDir: string;
let ca: TestCa;
/** The daemon's --token-proxy-ca-file (a copy of the test CA, rotated by one test). */
let caFile: string;
let aad: FakeAzureAd;
let proxy: FakeTokenProxy;
let stack: ProviderStack;
const sensitive: string[] = [];

beforeAll(async () => {
  workDir = mkdtempSync(path.join(os.tmpdir(), 'e2e-identity-binding-'));
  const tls = await ensureTestTls(path.join(workDir, 'tls'));
  ca = { certPath: tls.caCertPath, keyPath: path.join(tls.dir, 'ca.key') };
  caFile = path.join(workDir, 'cluster-ca.crt');
  copyFileSync(tls.caCertPath, caFile);
  aad = new FakeAzureAd();
  proxy = await FakeTokenProxy.start({ ca, sniName: SNI, pathPrefix: '/identity-binding', azureAd: aad });
  stack = await ProviderStack.start({
    workDir,
    daemonArgs: [`--token-proxy-url=${proxy.url}`, `--sni-name=${SNI}`, `--token-proxy-ca-file=${caFile}`],
  });
});

afterAll(async () => {
  const exit = await stack?.daemon.stop();
  const output = stack?.daemon.output ?? '';
  await stack?.stop();
  await proxy?.stop();
  rmSync(workDir, { recursive: true, force: true });
  for (const value of sensitive) expect(output).not.toContain(value);
  expect(output).toContain('"mode":"AzureTokenProxy"');
  expect(output).toContain(`"sniName":"${SNI}","sniSource":"flag"`);
  expect(output).not.toMatch(/eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/);
  expect(exit?.code).toBe(0);
});

/** A managed identity bound to the pod's service account, and the tokens attribute kubelet sends. */
function identityBinding(pod: TestPod, serviceAccount = 'identity-binding-sa', azureAd = aad) {
  const clientId = randomUUID();
  azureAd.addApplication({
    clientId,
    tenantId: TENANT,
    federatedCredentials: [
      { subject: serviceAccountSubject(pod.namespace, serviceAccount), audience: AUDIENCE },
    ],
  });
  return { clientId, tokens: tokensFor(pod.namespace, serviceAccount) };
}

function tokensFor(namespace: string, serviceAccount: string, audience = AUDIENCE): string {
  const token = issueServiceAccountToken({ namespace, serviceAccount, audience });
  sensitive.push(token.token);
  return serviceAccountTokensAttribute({ [audience]: token });
}

function newVault(target: ProviderStack, readers: readonly string[]): { name: string; value: string } {
  const name = `kv${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const vault = target.keyVault.addVault(name);
  for (const reader of readers) vault.grant(reader, { secrets: ['get'], keys: ['get'] });
  const value = `value-${randomUUID()}`;
  sensitive.push(value);
  vault.setSecret('secret1', value);
  return { name, value };
}

function ibParameters(vault: string, clientId: string, tokens: string): Record<string, string> {
  return {
    useAzureTokenProxy: 'true',
    clientID: clientId,
    keyvaultName: vault,
    tenantId: TENANT,
    objects: objectsYaml(SECRET_OBJECTS),
    [TOKENS_KEY]: tokens,
  };
}

/** A new self-signed CA in the work directory. */
function makeCa(name: string): TestCa {
  const dir = mkdtempSync(path.join(workDir, 'ca-'));
  makeCertificates(dir, [{ name: 'ca', subject: `/CN=${name}`, extensions: CERTIFICATE_EXTENSIONS.ca }]);
  return { certPath: path.join(dir, 'ca.pem'), keyPath: path.join(dir, 'ca.key') };
}

describe('identity binding', () => {
  it('mounts the example through the token proxy (SNI name, path prefix) and reuses the token', async () => {
    const dir = path.join(root, 'examples/identity-binding');
    const spc = readSecretProviderClass(path.join(dir, 'secretproviderclass.yaml'));
    const examplePod = readExamplePod(path.join(dir, 'pod.yaml'));
    const pod = { ...examplePod, uid: randomUUID() };
    const { clientId, tokens } = identityBinding(pod);
    const vault = stack.keyVault.addVault('kvname');
    vault.grant(clientId, { secrets: ['get'], keys: ['get'] });
    sensitive.push('ib-example-value');
    vault.setSecret('secret1', 'ib-example-value');
    vault.setKey('key1', { jwk: { kty: 'EC', crv: 'P-256', x: EC_X, y: EC_Y } });
    const before = proxy.tokenRequests();

    const parameters = { ...spc.spec.parameters, clientID: clientId, tenantId: TENANT, [TOKENS_KEY]: tokens };
    const outcome = await mount(stack, parameters, pod);

    expect(outcome.message).toBeUndefined();
    expect(readVisibleFiles(outcome.targetPath)['secret1']).toBe('ib-example-value');
    expect(outcome.files.map((f) => f.path)).toEqual(['secret1', 'key1']);
    const tokenRequests = proxy.requests.filter((r) => r.kind === 'token').slice(before);
    expect(tokenRequests).toEqual([
      {
        method: 'POST',
        path: `/identity-binding/${TENANT}/oauth2/v2.0/token`,
        servername: SNI,
        kind: 'token',
        status: 200,
      },
    ]);
    // The next mount with the same token is served from the cached credential.
    expect((await mount(stack, parameters, pod)).message).toBeUndefined();
    expect(proxy.tokenRequests()).toBe(before + 1);
  });

  it("reports each configuration error of the reference's order, first one first", async () => {
    const pod = newPod('web-0', 'shop');
    const { clientId, tokens } = identityBinding(pod);
    const vault = newVault(stack, [clientId]);
    // Every error at once; each step fixes the one just reported.
    const steps: [Record<string, string>, string][] = [
      [
        { useAzureTokenProxy: 'yes' },
        'failed to parse useAzureTokenProxy flag, error: strconv.ParseBool: parsing "yes": invalid syntax',
      ],
      [
        { useAzureTokenProxy: 'true', usePodIdentity: 'true' },
        'only one identity mode can be enabled at a time: usePodIdentity, useVMManagedIdentity, or useAzureTokenProxy',
      ],
      [{ usePodIdentity: 'false' }, 'keyvaultName is not provided'],
      [{ keyvaultName: 'x' }, 'tenantId is not provided'],
      [
        { tenantId: TENANT },
        'cloudName Mars is not valid, error: autorest/azure: There is no cloud environment matching the name "MARS"',
      ],
      [
        { cloudName: 'AzurePublicCloud' },
        'failed to build auth config for mode AzureTokenProxy: clientID is required for identity binding',
      ],
      [
        { clientID: clientId },
        'failed to build auth config for mode AzureTokenProxy: service account tokens are required for identity binding',
      ],
      [
        { [TOKENS_KEY]: '{"api://AKSIdentityBinding":' },
        'failed to build auth config for mode AzureTokenProxy: failed to parse service account token for identity binding, error: failed to unmarshal service account tokens, error: unexpected end of JSON input',
      ],
      [
        { [TOKENS_KEY]: tokensFor(pod.namespace, 'identity-binding-sa', 'api://AzureADTokenExchange') },
        'failed to build auth config for mode AzureTokenProxy: failed to parse service account token for identity binding, error: token for audience api://AKSIdentityBinding not found',
      ],
      [{ [TOKENS_KEY]: tokens }, 'objects is not set'],
      [
        { objects: objectsYaml(SECRET_OBJECTS) },
        'failed to get vault: Invalid vault name: "x", must be between 3 and 24 chars',
      ],
    ];
    let parameters: Record<string, string> = {
      useAzureTokenProxy: 'yes',
      usePodIdentity: 'true',
      keyvaultName: '',
      tenantId: '',
      cloudName: 'Mars',
      clientID: '',
      [TOKENS_KEY]: '',
      objects: '',
    };
    const before = proxy.tokenRequests();
    for (const [fix, expected] of steps) {
      parameters = { ...parameters, ...fix };
      const outcome = await mount(stack, parameters, pod);
      expect(outcome.grpcCode, expected).toBe(status.INVALID_ARGUMENT);
      expect(outcome.message).toBe(`${PREFIX}${expected}`);
    }
    expect(proxy.tokenRequests()).toBe(before);
    const fixed = await mount(stack, { ...parameters, keyvaultName: vault.name }, pod);
    expect(fixed.message).toBeUndefined();
    expect(fixed.files[0]?.contents.toString()).toBe(vault.value);
  });

  it('answers UNAUTHENTICATED with the AADSTS reason the proxy relays, naming the identity', async () => {
    const pod = newPod('intruder-0', 'shop');
    const { clientId } = identityBinding(pod, 'identity-binding-sa');
    const vault = newVault(stack, [clientId]);
    // The pod runs as another service account, which the identity is not bound to.
    const outcome = await mount(
      stack,
      ibParameters(vault.name, clientId, tokensFor('shop', 'intruder')),
      pod,
    );
    expect(outcome.grpcCode).toBe(status.UNAUTHENTICATED);
    expect(outcome.message).toMatch(
      new RegExp(
        `^${PREFIX}failed to get objectType:secret, objectName:secret1, objectVersion:: .*identity binding ${clientId} in tenant ${TENANT}: Azure AD refused the token request.*: AADSTS700213: No matching federated identity record found for presented assertion subject 'system:serviceaccount:shop:intruder'\\.`,
      ),
    );
  });

  it('retries a busy proxy (503 with Retry-After) inside the mount', async () => {
    const pod = newPod();
    const { clientId, tokens } = identityBinding(pod);
    const vault = newVault(stack, [clientId]);
    const before = proxy.tokenRequests();
    proxy.failNext(1, 503, 1);
    const outcome = await mount(stack, ibParameters(vault.name, clientId, tokens), pod);
    expect(outcome.message).toBeUndefined();
    expect(outcome.files[0]?.contents.toString()).toBe(vault.value);
    expect(proxy.requests.slice(-2).map((r) => r.status)).toEqual([503, 200]);
    expect(proxy.tokenRequests()).toBe(before + 2);
  });

  it('answers UNAVAILABLE when the proxy stays busy, so the driver re-sends the call, which then succeeds', async () => {
    const pod = newPod();
    const { clientId, tokens } = identityBinding(pod);
    const vault = newVault(stack, [clientId]);
    const before = proxy.tokenRequests();
    // One try and three retries of the first call, then the driver's second call gets a token.
    proxy.failNext(4, 429, 1);
    const outcome = await mount(stack, ibParameters(vault.name, clientId, tokens), pod);
    expect(outcome.message).toBeUndefined();
    expect(proxy.tokenRequests()).toBe(before + 5);
    expect(stack.daemon.output).toContain('"errorCode":"TOKEN_PROXY_BUSY"');
    expect(stack.daemon.output).toContain('"outcome":"UNAVAILABLE"');
  });

  it('follows a CA rotation in the CA file without a restart', async () => {
    const rotated = makeCa('rotated cluster CA');
    proxy.useCa(rotated);
    try {
      const pod = newPod();
      const first = identityBinding(pod);
      const vault = newVault(stack, [first.clientId]);
      const refused = await mount(stack, ibParameters(vault.name, first.clientId, first.tokens), pod);
      expect(refused.grpcCode).toBe(status.FAILED_PRECONDITION);
      expect(refused.message).toContain(
        `TLS to the token proxy ${proxy.url} (SNI name ${SNI}) failed: UNABLE_TO_VERIFY_LEAF_SIGNATURE`,
      );
      expect(refused.message).toContain(`(trusted: ${caFile})`);
      // The cluster's CA bundle now holds both CAs (as during a real rotation).
      writeFileSync(caFile, `${readFileSync(ca.certPath, 'utf8')}${readFileSync(rotated.certPath, 'utf8')}`);
      const again = await mount(stack, ibParameters(vault.name, first.clientId, first.tokens), pod);
      expect(again.message).toBeUndefined();
      expect(again.files[0]?.contents.toString()).toBe(vault.value);
    } finally {
      proxy.useCa(ca);
    }
  });
});

describe('identity binding start-up', () => {
  it('computes the SNI name from the API server certificate and mounts with it', async () => {
    const apiServer = await FakeApiServer.start({ ca, clusterId: CLUSTER_ID });
    const azureAd = new FakeAzureAd();
    const computedProxy = await FakeTokenProxy.start({ ca, sniName: COMPUTED_SNI, azureAd });
    const other = await ProviderStack.start({
      daemonArgs: [
        `--token-proxy-url=${computedProxy.url}`,
        `--token-proxy-ca-file=${caFile}`,
        '--sni-api-server-host=127.0.0.1',
      ],
      daemonEnv: { KUBERNETES_SERVICE_PORT: String(apiServer.port) },
    });
    try {
      const pod = newPod();
      const { clientId, tokens } = identityBinding(pod, 'identity-binding-sa', azureAd);
      const vault = newVault(other, [clientId]);
      const outcome = await mount(other, ibParameters(vault.name, clientId, tokens), pod);
      expect(outcome.message).toBeUndefined();
      expect(outcome.files[0]?.contents.toString()).toBe(vault.value);
      expect(computedProxy.requests.map((r) => r.servername)).toEqual([COMPUTED_SNI]);
      expect(other.daemon.output).toContain(`"sniName":"${COMPUTED_SNI}","sniSource":"computed"`);
      // Computed once, at start-up.
      expect((await mount(other, ibParameters(vault.name, clientId, tokens), pod)).message).toBeUndefined();
      expect(apiServer.connections).toBe(1);
    } finally {
      await other.stop();
      await computedProxy.stop();
      await apiServer.stop();
    }
  });

  it('runs with the flags the Helm chart renders from its identity-binding values (and passes none by default)', async () => {
    const chartDir = path.join(root, 'deploy/helm/keyvault-csi');
    const argsFor = (linux: Record<string, unknown>): string[] => {
      const { documents } = renderChart(chartDir, {
        releaseName: 'csi-secrets-store-provider-azure',
        namespace: 'kube-system',
        values: [{ linux }],
      });
      const daemonSet = documents.find((d) => d.object['kind'] === 'DaemonSet')?.object as {
        spec: { template: { spec: { containers: { args: string[] }[] } } };
      };
      return daemonSet.spec.template.spec.containers[0]?.args ?? [];
    };
    const identityBindingFlag = /^--(token-proxy-url|sni-name|token-proxy-ca-file)=/;
    expect(argsFor({}).filter((a) => identityBindingFlag.test(a))).toEqual([]);
    const rendered = argsFor({
      tokenProxyURL: proxy.url,
      sniName: SNI,
      extraArgs: [`--token-proxy-ca-file=${caFile}`],
    }).filter((a) => identityBindingFlag.test(a));
    expect(rendered).toEqual([
      `--token-proxy-url=${proxy.url}`,
      `--sni-name=${SNI}`,
      `--token-proxy-ca-file=${caFile}`,
    ]);
    const other = await ProviderStack.start({ daemonArgs: rendered });
    try {
      const pod = newPod();
      const { clientId, tokens } = identityBinding(pod);
      const vault = newVault(other, [clientId]);
      const outcome = await mount(other, ibParameters(vault.name, clientId, tokens), pod);
      expect(outcome.message).toBeUndefined();
      expect(outcome.files[0]?.contents.toString()).toBe(vault.value);
    } finally {
      await other.stop();
    }
  });

  it('asks the proxy again once the cached token is older than --token-cache-max-age', async () => {
    const other = await ProviderStack.start({
      daemonArgs: [
        `--token-proxy-url=${proxy.url}`,
        `--sni-name=${SNI}`,
        `--token-proxy-ca-file=${caFile}`,
        '--token-cache-max-age=1s',
      ],
    });
    try {
      const pod = newPod();
      const { clientId, tokens } = identityBinding(pod);
      const vault = newVault(other, [clientId]);
      const before = proxy.tokenRequests();
      expect((await mount(other, ibParameters(vault.name, clientId, tokens), pod)).message).toBeUndefined();
      expect(proxy.tokenRequests()).toBe(before + 1);
      // Whatever happened meanwhile, a mount after the bound gets a token issued after it.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const beforeLast = proxy.tokenRequests();
      expect((await mount(other, ibParameters(vault.name, clientId, tokens), pod)).message).toBeUndefined();
      expect(proxy.tokenRequests()).toBe(beforeLast + 1);
    } finally {
      await other.stop();
    }
  });

  it('names a wrong SNI name as a TLS failure (FAILED_PRECONDITION), not a network error', async () => {
    const other = await ProviderStack.start({
      daemonArgs: [
        `--token-proxy-url=${proxy.url}`,
        '--sni-name=wrong.ests.aks',
        `--token-proxy-ca-file=${caFile}`,
      ],
    });
    try {
      const pod = newPod();
      const { clientId, tokens } = identityBinding(pod);
      const vault = newVault(other, [clientId]);
      const before = proxy.requests.length;
      const outcome = await mount(other, ibParameters(vault.name, clientId, tokens), pod);
      expect(outcome.grpcCode).toBe(status.FAILED_PRECONDITION);
      expect(outcome.message).toContain(
        `identity binding ${clientId} in tenant ${TENANT}: TLS to the token proxy ${proxy.url} failed: its certificate is not valid for the SNI name wrong.ests.aks (from --sni-name): `,
      );
      expect(outcome.message).not.toContain('network_error');
      expect(proxy.requests.length).toBe(before);
    } finally {
      await other.stop();
    }
  });

  it('stores a start-up failure for identity-binding mounts only; other modes keep working', async () => {
    const missing = path.join(workDir, 'no-such-ca.crt');
    const other = await ProviderStack.start({ daemonArgs: [`--token-proxy-ca-file=${missing}`] });
    try {
      const pod = newPod();
      const { clientId, tokens } = identityBinding(pod);
      const vault = newVault(other, [clientId]);
      const expected = `${PREFIX}failed to get keyvault client: proxy transport not available: compute SNI name: extract cluster ID from API server certificate: read CA file ${missing}: open ${missing}: no such file or directory (use --sni-name flag to skip automatic SNI detection)`;
      const failed = await mount(other, ibParameters(vault.name, clientId, tokens), pod);
      expect(failed.grpcCode).toBe(status.FAILED_PRECONDITION);
      expect(failed.message).toBe(expected);
      // An empty objects array is already an error here, so no mount hides the start-up failure.
      const empty = await mount(
        other,
        { ...ibParameters(vault.name, clientId, tokens), objects: 'array:\n' },
        pod,
      );
      expect(empty.ok).toBe(false);
      // Pod identity on the same daemon is unaffected.
      const podIdentityVault = other.keyVault.addVault(`kv${randomUUID().replaceAll('-', '').slice(0, 12)}`);
      const nmiPod = newPod('nmi-pod', 'default');
      const nmiClientId = randomUUID();
      other.nmi.bind(nmiPod.namespace, nmiPod.name, nmiClientId);
      podIdentityVault.grant(nmiClientId, { secrets: ['get'] });
      podIdentityVault.setSecret('secret1', 'pod-identity-value');
      const podIdentity = await mount(
        other,
        {
          usePodIdentity: 'true',
          keyvaultName: podIdentityVault.name,
          tenantId: TENANT,
          objects: objectsYaml(SECRET_OBJECTS),
        },
        nmiPod,
      );
      expect(podIdentity.message).toBeUndefined();
      expect(other.daemon.output).toContain('identity binding: token proxy transport not available');
    } finally {
      await other.stop();
    }
  });

  it('answers UNAVAILABLE naming the proxy when it is down', async () => {
    const pod = newPod();
    const { clientId, tokens } = identityBinding(pod);
    const vault = newVault(stack, [clientId]);
    const url = proxy.url;
    await proxy.stop();
    const outcome = await mount(stack, ibParameters(vault.name, clientId, tokens), pod);
    expect(outcome.grpcCode).toBe(status.UNAVAILABLE);
    expect(outcome.message).toContain(
      `identity binding ${clientId} in tenant ${TENANT}: the token proxy ${url} is not reachable: ECONNREFUSED`,
    );
  }, 90_000);
});

/** A P-256 public point (the examples' `key1`). */
const EC_X = 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU';
const EC_Y = 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0';
