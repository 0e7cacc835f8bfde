import { request } from 'node:http';
import { connect as tlsConnect } from 'node:tls';
import { SecretClient } from '@azure/keyvault-secrets';
import { issueTestToken } from '@keyvault-csi/test-tokens';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KeyVaultEmulator } from '../src/index.js';
import { TEST_TLS_DIR, TestTokenCredential } from './helpers.js';

function connect(proxyUrl: string, target: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(proxyUrl, { method: 'CONNECT', path: target });
    req.on('connect', (res, socket) => {
      socket.destroy();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

/** GET https://<host><path> through the CONNECT proxy by hand (TLS verified against the test CA). */
function getThroughTunnel(proxyUrl: string, host: string, path: string, clientId?: string): Promise<string> {
  const auth = clientId
    ? `authorization: Bearer ${issueTestToken({ audience: 'https://vault.azure.net', clientId }).token}\r\n`
    : '';
  return new Promise((resolve, reject) => {
    const req = request(proxyUrl, { method: 'CONNECT', path: `${host}:443` });
    req.on('connect', (_res, socket) => {
      const secure = tlsConnect({ socket, servername: host }, () => {
        secure.write(`GET ${path} HTTP/1.1\r\nhost: ${host}\r\n${auth}connection: close\r\n\r\n`);
      });
      let text = '';
      secure.on('data', (c: Buffer) => (text += c.toString()));
      secure.on('end', () => resolve(text));
      secure.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('https://<vault>.vault.azure.net through HTTPS_PROXY with the real SecretClient', () => {
  let kv: KeyVaultEmulator;
  const reader = new TestTokenCredential('reader-app');

  beforeAll(async () => {
    kv = await KeyVaultEmulator.start({ tlsDir: TEST_TLS_DIR });
    kv.vault('kv-shop')
      .grant('reader-app', { secrets: ['get', 'list'] })
      .setSecret('db-password', 'p@ss');
    for (let i = 0; i < 3; i++)
      kv.vault('kv-shop').setSecret('rotated', { value: `v${i}`, created: 1_700_000_000 + i });
    kv.vault('kv-other')
      .grant('reader-app', { secrets: ['get'] })
      .setSecret('db-password', 'other');
    kv.vault('kv-gov')
      .grant('reader-app', { secrets: ['get'] })
      .setSecret('db-password', 'gov');
    delete process.env['NO_PROXY'];
    delete process.env['no_proxy'];
    process.env['HTTPS_PROXY'] = kv.proxyUrl;
  });
  afterAll(async () => {
    delete process.env['HTTPS_PROXY'];
    await kv.stop();
  });
  beforeEach(() => kv.resetStats());

  it('routes each tunnel by its host, with challenge resource verification on', async () => {
    const shop = new SecretClient(kv.vaultUrl('kv-shop'), reader);
    const other = new SecretClient(kv.vaultUrl('kv-other'), reader);
    const [a, b] = await Promise.all([shop.getSecret('db-password'), other.getSecret('db-password')]);
    expect(a.value).toBe('p@ss');
    expect(a.properties.vaultUrl).toBe('https://kv-shop.vault.azure.net');
    expect(a.properties.id).toMatch(
      /^https:\/\/kv-shop\.vault\.azure\.net\/secrets\/db-password\/[0-9a-f]{32}$/,
    );
    expect(b.value).toBe('other');
    expect(reader.scopesSeen.slice(-2)).toEqual([
      'https://vault.azure.net/.default',
      'https://vault.azure.net/.default',
    ]);
    expect(kv.stats().tunnels).toBeGreaterThanOrEqual(2);
    expect(kv.requests.every((r) => r.via === 'proxy')).toBe(true);
  });

  it('pages version listings through nextLinks carrying an explicit :443', async () => {
    const pages: number[] = [];
    for await (const page of new SecretClient(kv.vaultUrl('kv-shop'), reader)
      .listPropertiesOfSecretVersions('rotated')
      .byPage({ maxPageSize: 2 })) {
      pages.push(page.length);
    }
    expect(pages).toEqual([2, 1]);
    const raw = await getThroughTunnel(
      kv.proxyUrl,
      'kv-shop.vault.azure.net',
      '/secrets/rotated/versions?api-version=7.4&maxresults=1',
      'reader-app',
    );
    expect(raw).toMatch(
      /"nextLink":"https:\/\/kv-shop\.vault\.azure\.net:443\/secrets\/rotated\/versions\?api-version=7\.4&\$skiptoken=/,
    );
  });

  it('asks for the sovereign cloud resource on sovereign vault hosts', async () => {
    const gov = new TestTokenCredential('reader-app');
    const secret = await new SecretClient('https://kv-gov.vault.usgovcloudapi.net', gov).getSecret(
      'db-password',
    );
    expect(secret.value).toBe('gov');
    expect(gov.scopesSeen).toEqual(['https://vault.usgovcloudapi.net/.default']);
    const probe = await getThroughTunnel(
      kv.proxyUrl,
      'kv-gov.vault.usgovcloudapi.net',
      '/secrets/db-password/?api-version=7.4',
    );
    expect(probe).toContain(
      'www-authenticate: Bearer authorization="https://login.microsoftonline.us/72f988bf-0000-0000-0000-000000000000", resource="https://vault.usgovcloudapi.net"',
    );
  });

  it('refuses to tunnel to hosts it does not serve', async () => {
    expect(await connect(kv.proxyUrl, 'example.com:443')).toBe(502);
    expect(await connect(kv.proxyUrl, 'kv-missing.vault.azure.net:443')).toBe(502);
    expect(await connect(kv.proxyUrl, 'kv-shop.vault.azure.net:8443')).toBe(502);
    expect(await connect(kv.proxyUrl, 'login.microsoftonline.com:443')).toBe(502);
    expect(await connect(kv.proxyUrl, 'kv-shop.vault.azure.net:443')).toBe(200);
    expect(await connect(kv.proxyUrl, `127.0.0.1:${kv.port}`)).toBe(200);
  });

  it('serves extra hosts such as a fake login.microsoftonline.com through the same proxy', async () => {
    kv.registerHost('login.microsoftonline.com', (req, res, info) => {
      const body = JSON.stringify({ path: req.url, via: info.via, host: info.hostname });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
    try {
      const text = await getThroughTunnel(
        kv.proxyUrl,
        'login.microsoftonline.com',
        '/tenant/oauth2/v2.0/token',
      );
      expect(text.slice(text.indexOf('{'))).toBe(
        JSON.stringify({
          path: '/tenant/oauth2/v2.0/token',
          via: 'proxy',
          host: 'login.microsoftonline.com',
        }),
      );
    } finally {
      kv.unregisterHost('login.microsoftonline.com');
    }
  });
});
