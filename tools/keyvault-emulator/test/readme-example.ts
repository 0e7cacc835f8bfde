import type { TokenCredential } from '@azure/core-auth';
import { SecretClient } from '@azure/keyvault-secrets';
import { KeyVaultEmulator } from '@keyvault-csi/keyvault-emulator';

/** The README's quick-start, verbatim between the region markers (readme.spec.ts keeps them equal). */
export async function readmeExample(credential: TokenCredential, tlsDir: string) {
  // #region readme
  const kv = await KeyVaultEmulator.start({ tlsDir });
  const vault = kv.vault('kv-shop');
  vault.grant('my-client-id', { secrets: ['get', 'list'] });
  vault.setSecret('db-password', { value: 'old', created: '2024-01-01T00:00:00Z' });
  vault.setSecret('db-password', { value: 's3cret', created: '2024-06-01T00:00:00Z' });
  kv.injectFault({
    path: '/secrets/db-password',
    attempts: [1],
    action: { type: 'throttle', retryAfterMs: 10 },
  });

  // (a) direct: https://127.0.0.1:<port> serves the first vault
  const direct = new SecretClient(kv.url, credential, { disableChallengeResourceVerification: true });
  const a = await direct.getSecret('db-password'); // 429 first, the SDK waits 10 ms and retries

  // (b) the real vault URL through the emulator's CONNECT proxy
  process.env.HTTPS_PROXY = kv.proxyUrl; // before the client is created
  const proxied = new SecretClient(kv.vaultUrl('kv-shop'), credential);
  const b = await proxied.getSecret('db-password');
  delete process.env.HTTPS_PROXY;

  const stats = kv.stats(); // { probes: 2, authorized: 4, byStatus: { '200': 2, '401': 2, '429': 2 }, ... }
  await kv.stop();
  // #endregion readme
  return { a: a.value, b: b.value, stats };
}
