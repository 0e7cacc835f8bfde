import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FakeApiServer, type TestCa } from '@keyvault-csi/fake-token-proxy';
import { CERTIFICATE_EXTENSIONS, makeCertificates } from '@keyvault-csi/test-pki';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  parseProxyUrl,
  prepareTokenProxy,
  readCaFile,
  TokenProxyStartupError,
} from './token-proxy-settings.js';
import { TokenProxyTransport } from './token-proxy-transport.js';

const WRAP = 'create throwaway credential for proxy transport extraction: ';
let dir: string;
let ca: TestCa;
let apiServer: FakeApiServer;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'token-proxy-settings-'));
  makeCertificates(dir, [{ name: 'ca', subject: '/CN=cluster CA', extensions: CERTIFICATE_EXTENSIONS.ca }]);
  ca = { certPath: path.join(dir, 'ca.pem'), keyPath: path.join(dir, 'ca.key') };
  apiServer = await FakeApiServer.start({ ca, clusterId: 'abc123def456' });
});

afterAll(async () => {
  await apiServer?.stop();
});

function flags(overrides: Partial<Parameters<typeof prepareTokenProxy>[0]> = {}) {
  return { url: '', sniName: '', caFile: ca.certPath, apiServerHost: '127.0.0.1', ...overrides };
}

async function startupError(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TokenProxyStartupError);
  return (error as Error).message;
}

describe('prepareTokenProxy', () => {
  it('computes the SNI name from the API server at 127.0.0.1:$KUBERNETES_SERVICE_PORT; default proxy URL', async () => {
    const settings = await prepareTokenProxy(flags(), {
      env: { KUBERNETES_SERVICE_PORT: String(apiServer.port) },
    });
    expect(settings).toMatchObject({
      sniName: 'avimke6u6l2eeq8qc1cneuaq4sl2e1av9t4clqgun97le32hub670.ests.aks',
      sniSource: 'computed',
      caFile: ca.certPath,
    });
    expect(settings.proxyUrl.href).toBe('https://kubernetes.default.svc.cluster.local/');
    expect(settings.ca).toHaveLength(1);
  });

  it('takes --sni-name without dialling; no CA file means the system roots', async () => {
    const before = apiServer.connections;
    const settings = await prepareTokenProxy(
      flags({
        sniName: 'aexample.ests.aks',
        caFile: path.join(dir, 'missing.crt'),
        url: 'https://proxy:8443/p',
      }),
    );
    expect(settings).toMatchObject({ sniName: 'aexample.ests.aks', sniSource: 'flag', caFile: undefined });
    expect(settings.proxyUrl.href).toBe('https://proxy:8443/p');
    expect(apiServer.connections).toBe(before);
  });

  it("fails with the reference's texts when the SNI name cannot be computed", async () => {
    const missing = path.join(dir, 'missing.crt');
    expect(await startupError(prepareTokenProxy(flags({ caFile: missing })))).toBe(
      `compute SNI name: extract cluster ID from API server certificate: read CA file ${missing}: open ${missing}: no such file or directory (use --sni-name flag to skip automatic SNI detection)`,
    );
    const garbage = path.join(dir, 'garbage.crt');
    writeFileSync(garbage, 'not a certificate\n');
    expect(await startupError(prepareTokenProxy(flags({ caFile: garbage })))).toBe(
      `compute SNI name: extract cluster ID from API server certificate: no valid certificates found in ${garbage}`,
    );
    // Nothing listens on port 1.
    expect(await startupError(prepareTokenProxy(flags(), { env: { KUBERNETES_SERVICE_PORT: '1' } }))).toMatch(
      /^compute SNI name: extract cluster ID from API server certificate: TLS connect to API server: .*ECONNREFUSED/,
    );
    const noSan = await FakeApiServer.start({ ca });
    try {
      expect(
        await startupError(
          prepareTokenProxy(flags(), { env: { KUBERNETES_SERVICE_PORT: String(noSan.port) } }),
        ),
      ).toBe(
        'compute SNI name: cluster ID SAN not found in API server certificate (use --sni-name flag to provide SNI name explicitly)',
      );
    } finally {
      await noSan.stop();
    }
  });

  it('fails when the API server certificate does not chain to the CA file', async () => {
    const otherDir = mkdtempSync(path.join(dir, 'other-'));
    makeCertificates(otherDir, [
      { name: 'ca', subject: '/CN=other CA', extensions: CERTIFICATE_EXTENSIONS.ca },
    ]);
    expect(
      await startupError(
        prepareTokenProxy(flags({ caFile: path.join(otherDir, 'ca.pem') }), {
          env: { KUBERNETES_SERVICE_PORT: String(apiServer.port) },
        }),
      ),
    ).toMatch(
      /^compute SNI name: extract cluster ID from API server certificate: TLS connect to API server: /,
    );
  });

  it('checks the CA file like the SDK: empty, no certificate', async () => {
    const empty = path.join(dir, 'empty.crt');
    writeFileSync(empty, '');
    expect(await startupError(prepareTokenProxy(flags({ sniName: 'x.ests.aks', caFile: empty })))).toBe(
      `${WRAP}CA file "${empty}" is empty`,
    );
    const garbage = path.join(dir, 'garbage.crt');
    expect(await startupError(prepareTokenProxy(flags({ sniName: 'x.ests.aks', caFile: garbage })))).toBe(
      `${WRAP}parse CA file "${garbage}": no valid certificates found`,
    );
    expect(await readCaFile(ca.certPath)).toMatchObject({ ok: true, bytes: readFileSync(ca.certPath) });
  });
});

describe('parseProxyUrl', () => {
  it.each([
    ['http://proxy', 'custom token endpoint must use https scheme, got "http"'],
    ['https://user:pw@proxy', 'custom token endpoint URL "https://user:pw@proxy" must not contain user info'],
    ['https://proxy/p?x=1', 'custom token endpoint URL "https://proxy/p?x=1" must not contain a query'],
    ['https://proxy/p#f', 'custom token endpoint URL "https://proxy/p#f" must not contain a fragment'],
    ['::', 'failed to parse custom token proxy URL "::": invalid URL'],
  ])('refuses %s', (url, reason) => {
    expect(() => parseProxyUrl(url)).toThrow(`${WRAP}${reason}`);
  });
});

describe('TokenProxyTransport.rewrite', () => {
  it('puts the Azure AD request on the proxy: origin, joined path, original query', () => {
    const transport = (url: string) =>
      new TokenProxyTransport({
        proxyUrl: parseProxyUrl(url),
        sniName: 'x.ests.aks',
        sniSource: 'flag',
        caFile: undefined,
        ca: undefined,
      });
    const aad = 'https://login.microsoftonline.com/tid/oauth2/v2.0/token?client-request-id=1';
    expect(transport('https://proxy').rewrite(aad)).toBe(
      'https://proxy/tid/oauth2/v2.0/token?client-request-id=1',
    );
    expect(transport('https://proxy:8443/prefix/').rewrite(aad)).toBe(
      'https://proxy:8443/prefix/tid/oauth2/v2.0/token?client-request-id=1',
    );
    expect(transport('https://proxy/a//b').rewrite('https://login.microsoftonline.com//tid/')).toBe(
      'https://proxy/a/b/tid/',
    );
  });
});
