import { request } from 'node:http';
import { SecretClient } from '@azure/keyvault-secrets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

describe('secrets at https://<vault>.vault.azure.net through HTTPS_PROXY with the real SecretClient', () => {
  let kv: KeyVaultEmulator;
  const reader = new TestTokenCredential('reader-app');

  beforeAll(async () => {
    kv = await KeyVaultEmulator.start({ tlsDir: TEST_TLS_DIR });
    kv.vault('kv-shop')
      .grant('reader-app', { secrets: ['get', 'list'] })
      .setSecret('db-password', 'p@ss');
    kv.vault('kv-other')
      .grant('reader-app', { secrets: ['get'] })
      .setSecret('db-password', 'other');
    delete process.env['NO_PROXY'];
    delete process.env['no_proxy'];
    process.env['HTTPS_PROXY'] = kv.proxyUrl;
  });
  afterAll(async () => {
    delete process.env['HTTPS_PROXY'];
    await kv.stop();
  });

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
    expect(reader.scopesSeen).toEqual([
      'https://vault.azure.net/.default',
      'https://vault.azure.net/.default',
    ]);
    expect(kv.stats().tunnels).toBeGreaterThanOrEqual(2);
    expect(kv.requests.every((r) => r.via === 'proxy')).toBe(true);
  });

  it('refuses to tunnel to hosts it does not serve', async () => {
    expect(await connect(kv.proxyUrl, 'example.com:443')).toBe(502);
    expect(await connect(kv.proxyUrl, 'kv-missing.vault.azure.net:443')).toBe(502);
    expect(await connect(kv.proxyUrl, 'kv-shop.vault.azure.net:8443')).toBe(502);
    expect(await connect(kv.proxyUrl, 'kv-shop.vault.azure.net:443')).toBe(200);
  });
});
