import { mkdtempSync, readFileSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { FakeAzureAd, issueServiceAccountToken, serviceAccountSubject } from '@keyvault-csi/fake-azure-ad';
import { CERTIFICATE_EXTENSIONS, makeCertificates } from '@keyvault-csi/test-pki';
import { verifyTestToken } from '@keyvault-csi/test-tokens';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeApiServer } from './fake-api-server.js';
import { FakeTokenProxy } from './fake-token-proxy.js';
import type { TestCa } from './server-certificate.js';

const SNI = 'aexample.ests.aks';
const TENANT = '72f988bf-0000-0000-0000-000000000000';
const CLIENT_ID = '11111111-0000-0000-0000-0000000000b1';
const AUDIENCE = 'api://AKSIdentityBinding';

function makeCa(name: string): TestCa & { pem: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fake-token-proxy-ca-'));
  makeCertificates(dir, [{ name: 'ca', subject: `/CN=${name}`, extensions: CERTIFICATE_EXTENSIONS.ca }]);
  const certPath = path.join(dir, 'ca.pem');
  return { certPath, keyPath: path.join(dir, 'ca.key'), pem: readFileSync(certPath, 'utf8') };
}

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

function request(
  proxy: FakeTokenProxy,
  options: { method?: string; path: string; body?: string; servername?: string; ca: string },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port: proxy.port,
        method: options.method ?? 'GET',
        path: options.path,
        servername: options.servername ?? SNI,
        ca: options.ca,
        agent: false,
        headers: options.body ? { 'content-type': 'application/x-www-form-urlencoded' } : {},
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

function tokenForm(assertion: string, clientId = CLIENT_ID): string {
  return new URLSearchParams({
    grant_type: 'client_credentials',
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: assertion,
    client_id: clientId,
    client_info: '1',
    scope: 'https://vault.azure.net/.default openid offline_access profile',
  }).toString();
}

let ca: ReturnType<typeof makeCa>;
let proxy: FakeTokenProxy;
const assertion = issueServiceAccountToken({
  namespace: 'shop',
  serviceAccount: 'web',
  audience: AUDIENCE,
}).token;

beforeAll(async () => {
  ca = makeCa('cluster CA');
  const azureAd = new FakeAzureAd({
    applications: [
      {
        clientId: CLIENT_ID,
        tenantId: TENANT,
        federatedCredentials: [{ subject: serviceAccountSubject('shop', 'web'), audience: AUDIENCE }],
      },
    ],
  });
  proxy = await FakeTokenProxy.start({ ca, sniName: SNI, pathPrefix: '/ib/', azureAd });
});

afterAll(async () => {
  await proxy?.stop();
});

describe('FakeTokenProxy', () => {
  it('issues a Key Vault token for the identity-binding assertion under its prefix, ignoring the query', async () => {
    expect(proxy.url).toBe(`https://127.0.0.1:${proxy.port}/ib`);
    const answer = await request(proxy, {
      method: 'POST',
      path: `/ib/${TENANT}/oauth2/v2.0/token?client-request-id=abc`,
      body: tokenForm(assertion),
      ca: ca.pem,
    });
    expect(answer.status).toBe(200);
    const body = JSON.parse(answer.body) as { token_type: string; access_token: string; expires_in: number };
    expect(body.token_type).toBe('Bearer');
    const check = verifyTestToken(body.access_token);
    expect(check.ok && check.claims).toMatchObject({ appid: CLIENT_ID, aud: 'https://vault.azure.net' });
    expect(proxy.requests.at(-1)).toMatchObject({ kind: 'token', servername: SNI, status: 200 });
  });

  it("serves the OpenID configuration with the real login host's endpoints", async () => {
    const answer = await request(proxy, {
      path: `/ib/${TENANT}/v2.0/.well-known/openid-configuration`,
      ca: ca.pem,
    });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({
      issuer: `https://login.microsoftonline.com/${TENANT}/v2.0`,
      token_endpoint: `https://login.microsoftonline.com/${TENANT}/oauth2/v2.0/token`,
    });
  });

  it('relays Azure AD refusals (unknown client, no federated record) with their AADSTS codes', async () => {
    const unknown = await request(proxy, {
      method: 'POST',
      path: `/ib/${TENANT}/oauth2/v2.0/token`,
      body: tokenForm(assertion, '11111111-0000-0000-0000-0000000000ff'),
      ca: ca.pem,
    });
    expect(unknown.status).toBe(400);
    expect(JSON.parse(unknown.body).error_description).toMatch(/^AADSTS700016:/);
    const other = issueServiceAccountToken({
      namespace: 'shop',
      serviceAccount: 'intruder',
      audience: AUDIENCE,
    });
    const refused = await request(proxy, {
      method: 'POST',
      path: `/ib/${TENANT}/oauth2/v2.0/token`,
      body: tokenForm(other.token),
      ca: ca.pem,
    });
    expect(refused.status).toBe(400);
    expect(JSON.parse(refused.body).error_description).toMatch(/^AADSTS700213:/);
  });

  it('answers 404 outside its prefix and 421 to another TLS server name', async () => {
    const outside = await request(proxy, {
      method: 'POST',
      path: `/${TENANT}/oauth2/v2.0/token`,
      body: tokenForm(assertion),
      ca: ca.pem,
    });
    expect(outside.status).toBe(404);
    // A client that checks the certificate refuses it for another name before sending anything.
    await expect(
      request(proxy, { path: '/ib/x', servername: 'wrong.ests.aks', ca: ca.pem }),
    ).rejects.toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    const misdirected = await new Promise<number>((resolve, reject) => {
      https
        .get(
          {
            host: '127.0.0.1',
            port: proxy.port,
            path: '/ib/x',
            servername: 'wrong.ests.aks',
            rejectUnauthorized: false,
            agent: false,
          },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        )
        .on('error', reject);
    });
    expect(misdirected).toBe(421);
  });

  it('answers the next token requests with 503 and Retry-After, then serves again', async () => {
    proxy.failNext(1, 503, 2);
    const busy = await request(proxy, {
      method: 'POST',
      path: `/ib/${TENANT}/oauth2/v2.0/token`,
      body: tokenForm(assertion),
      ca: ca.pem,
    });
    expect(busy.status).toBe(503);
    expect(busy.headers['retry-after']).toBe('2');
    const again = await request(proxy, {
      method: 'POST',
      path: `/ib/${TENANT}/oauth2/v2.0/token`,
      body: tokenForm(assertion),
      ca: ca.pem,
    });
    expect(again.status).toBe(200);
  });

  it('re-issues its certificate from another CA (a CA rotation)', async () => {
    const rotated = makeCa('rotated cluster CA');
    proxy.useCa(rotated);
    await expect(request(proxy, { path: '/ib/x', ca: ca.pem })).rejects.toMatchObject({
      code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    });
    expect((await request(proxy, { path: '/ib/x', ca: rotated.pem })).status).toBe(404);
    proxy.useCa(ca);
  });
});

describe('FakeApiServer', () => {
  it('presents the cluster ID SAN, verifiable as kubernetes.default.svc.cluster.local and 127.0.0.1', async () => {
    const server = await FakeApiServer.start({ ca, clusterId: '696995ccb303450001b31a18' });
    try {
      const altNames = await new Promise<string>((resolve, reject) => {
        const socket = tls.connect(
          {
            host: '127.0.0.1',
            port: server.port,
            ca: ca.pem,
            servername: 'kubernetes.default.svc.cluster.local',
          },
          () => {
            resolve(socket.getPeerCertificate().subjectaltname ?? '');
            socket.destroy();
          },
        );
        socket.on('error', reject);
      });
      expect(altNames).toContain('DNS:hcp-kubernetes.696995ccb303450001b31a18.svc.cluster.local');
      expect(altNames).toContain('IP Address:127.0.0.1');
      expect(server.connections).toBe(1);
    } finally {
      await server.stop();
    }
  });
});
