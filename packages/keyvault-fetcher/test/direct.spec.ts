import { KeyVaultEmulator } from '@keyvault-csi/keyvault-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyVaultFetcher, MountFetchError } from '../src/index.js';
import { mountFailure, object, TestCredential, text, tlsDir } from './helpers.js';

/**
 * Without HTTPS_PROXY: the loopback vault URL (`https://127.0.0.1:<port>`, challenge resource
 * verification off through `clientOptions`), and a vault host that does not resolve.
 */
describe('without a proxy', () => {
  let kv: KeyVaultEmulator;
  const reader = new TestCredential('direct-reader');

  beforeAll(async () => {
    delete process.env.HTTPS_PROXY;
    kv = await KeyVaultEmulator.start({ tlsDir: tlsDir() });
    kv.addVault('kv-direct', { default: true })
      .grant('direct-reader', { secrets: ['get'] })
      .setSecret('s1', 'direct value');
  });
  afterAll(() => kv.stop());

  it('fetches from the loopback URL with disableChallengeResourceVerification', async () => {
    const fetcher = new KeyVaultFetcher({ clientOptions: { disableChallengeResourceVerification: true } });
    const result = await fetcher.fetch({
      vaultUrl: kv.url,
      credential: reader,
      identityKey: 'direct-reader',
      objects: [object({ objectName: 's1' })],
    });
    expect(text(result.files[0]?.contents)).toBe('direct value');
    expect(kv.requests.every((r) => r.via === 'direct')).toBe(true);
  });

  it('keeps challenge resource verification on by default (the SDK refuses the loopback host)', async () => {
    const fetcher = new KeyVaultFetcher();
    const error = await mountFailure(
      fetcher.fetch({
        vaultUrl: kv.url,
        credential: reader,
        identityKey: 'direct-reader',
        objects: [object({ objectName: 's1' })],
      }),
    );
    expect(error).toBeInstanceOf(MountFetchError);
    expect(error.message).toContain(
      "The challenge resource 'vault.azure.net' does not match the requested domain",
    );
  });

  it('names a DNS failure of the vault host', async () => {
    const fetcher = new KeyVaultFetcher({ clientOptions: { retryOptions: { maxRetries: 0 } } });
    const error = await mountFailure(
      fetcher.fetch({
        vaultUrl: 'https://kv-nope.vault.invalid/',
        credential: reader,
        identityKey: 'direct-reader',
        objects: [object({ objectName: 's1' })],
      }),
    );
    expect(error).toBeInstanceOf(MountFetchError);
    expect(error.message).toMatch(
      /^failed to get objectType:secret, objectName:s1, objectVersion:: (ENOTFOUND|EAI_AGAIN) kv-nope\.vault\.invalid/,
    );
    expect(error.failures[0]?.error.kind).toBe('transient');
  });
});
