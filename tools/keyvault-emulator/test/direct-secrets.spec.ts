import { SecretClient } from '@azure/keyvault-secrets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyVaultEmulator } from '../src/index.js';
import { TEST_TLS_DIR, TestTokenCredential } from './helpers.js';

describe('secrets over direct https://127.0.0.1 with the real SecretClient', () => {
  let kv: KeyVaultEmulator;
  const reader = new TestTokenCredential('reader-app');
  const client = () => new SecretClient('PLACEHOLDER', reader);
  void client;

  beforeAll(async () => {
    kv = await KeyVaultEmulator.start({ tlsDir: TEST_TLS_DIR });
    const vault = kv.addVault('kv-shop');
    vault.grant('reader-app', { secrets: ['get', 'list'] });
    vault.setSecret('db-password', { value: 'old', created: '2024-01-01T00:00:00Z' });
    vault.setSecret('db-password', {
      value: 'new',
      created: '2024-06-01T00:00:00Z',
      contentType: 'text/plain',
    });
  });
  afterAll(() => kv.stop());

  it('workers trust the test CA through NODE_EXTRA_CA_CERTS set in globalSetup', () => {
    expect(process.env['NODE_EXTRA_CA_CERTS']).toBe(kv.caCertPath);
  });

  it('gets the current version after one challenge round trip', async () => {
    const sc = new SecretClient(kv.url, reader, { disableChallengeResourceVerification: true });
    const secret = await sc.getSecret('db-password');
    expect(secret.value).toBe('new');
    expect(secret.properties.contentType).toBe('text/plain');
    expect(secret.properties.vaultUrl).toBe(kv.url);
    expect(secret.properties.version).toMatch(/^[0-9a-f]{32}$/);
    expect(kv.stats()).toMatchObject({ probes: 1, authorized: 1 });
  });
});
