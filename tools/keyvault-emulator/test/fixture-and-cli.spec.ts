import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CertificateClient } from '@azure/keyvault-certificates';
import { KeyClient } from '@azure/keyvault-keys';
import { SecretClient } from '@azure/keyvault-secrets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmulatorFixture, FixtureError, KeyVaultEmulator } from '../src/index.js';
import { CliUsageError, startCli } from '../src/start-cli.js';
import { TEST_TLS_DIR, TestTokenCredential } from './helpers.js';
import { makeOpensslFixtures, type OpensslFixtures } from './openssl-fixtures.js';

const FIXTURE: EmulatorFixture = {
  vaults: [
    {
      name: 'kv-fixture',
      tenantId: '72f988bf-0000-0000-0000-000000000000',
      accessPolicies: [{ clientId: 'app', secrets: ['get', 'list'], keys: ['get'], certificates: ['get'] }],
      secrets: [
        { name: 'plain', value: 'hello', contentType: 'text/plain', tags: { team: 'a' } },
        {
          name: 'rotated',
          versions: [
            { value: 'one', version: 'a'.repeat(32), created: '2024-01-01T00:00:00Z' },
            { value: 'two', version: 'b'.repeat(32), created: 1_717_200_000, enabled: false },
          ],
        },
      ],
      keys: [
        { name: 'rsa', pemFile: 'rsa.key', kty: 'RSA-HSM' },
        {
          name: 'ec',
          jwk: {
            kty: 'EC',
            crv: 'P-256',
            x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
            y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0',
          },
        },
      ],
      certificates: [
        { name: 'from-pfx', pfxFile: 'rsa-legacy.pfx' },
        { name: 'from-pem', pemFile: 'bundle.pem' },
      ],
    },
    { name: 'kv-second', rbac: true, secrets: [{ name: 'x', value: 'y' }] },
  ],
};

describe('fixture files and the CLI', () => {
  let fx: OpensslFixtures;
  let kv: KeyVaultEmulator | undefined;
  let output = '';

  beforeAll(async () => {
    fx = await makeOpensslFixtures();
    await writeFile(join(fx.dir, 'bundle.pem'), fx.rsaBundlePem);
    await writeFile(join(fx.dir, 'fixture.json'), JSON.stringify(FIXTURE));
    kv = await startCli(
      ['--fixture', join(fx.dir, 'fixture.json'), '--tls-dir', TEST_TLS_DIR, '--json'],
      (t) => {
        output += t;
      },
    );
  }, 30_000);
  afterAll(() => kv?.stop());

  it('prints the URLs as one JSON line', () => {
    const summary = JSON.parse(output);
    expect(summary).toEqual({
      url: kv!.url,
      proxyUrl: kv!.proxyUrl,
      port: kv!.port,
      caCertPath: join(TEST_TLS_DIR, 'ca.pem'),
      defaultVault: 'kv-fixture',
      vaults: [
        { name: 'kv-fixture', url: 'https://kv-fixture.vault.azure.net' },
        { name: 'kv-second', url: 'https://kv-second.vault.azure.net' },
      ],
    });
  });

  it('loads secrets with versions, grants, keys from PEM files and JWKs, and certificates from PFX and PEM files', async () => {
    const cred = new TestTokenCredential('app');
    const opts = { disableChallengeResourceVerification: true };
    const secrets = new SecretClient(kv!.url, cred, opts);
    expect(await secrets.getSecret('plain')).toMatchObject({
      value: 'hello',
      properties: { tags: { team: 'a' } },
    });
    await expect(secrets.getSecret('rotated')).rejects.toMatchObject({ statusCode: 403 });
    expect((await secrets.getSecret('rotated', { version: 'a'.repeat(32) })).value).toBe('one');
    const keys = new KeyClient(kv!.url, cred, opts);
    expect((await keys.getKey('rsa')).keyType).toBe('RSA-HSM');
    expect((await keys.getKey('ec')).key?.crv).toBe('P-256');
    const certs = new CertificateClient(kv!.url, cred, opts);
    expect(Buffer.from((await certs.getCertificate('from-pfx')).cer!)).toEqual(fx.rsaCertDer);
    expect(Buffer.from((await certs.getCertificate('from-pem')).cer!)).toEqual(fx.rsaCertDer);
    expect((await secrets.getSecret('from-pfx')).value).toBe(fx.rsaPfxLegacy.toString('base64'));
    expect(kv!.vault('kv-second').isRbac).toBe(true);
  });

  it('rejects bad fixtures with an error naming the vault and the cause', async () => {
    const bad = (vault: object) =>
      KeyVaultEmulator.start({
        tlsDir: TEST_TLS_DIR,
        fixture: { vaults: [{ name: 'kv-bad', ...vault }] as never },
      });
    await expect(bad({ accessPolicies: [{ clientId: 'a', secrets: ['write'] }] })).rejects.toThrow(
      new FixtureError("fixture vaults[0] (kv-bad): access policy for a: unknown secrets permission 'write'"),
    );
    await expect(bad({ certificates: [{ name: 'c', pfxFile: 'does-not-exist.pfx' }] })).rejects.toThrow(
      /^fixture vaults\[0\] \(kv-bad\): ENOENT.*does-not-exist\.pfx/,
    );
    await expect(bad({ secrets: [{ name: 'bad name', value: 'x' }] })).rejects.toThrow(
      "invalid secrets name 'bad name'",
    );
  });

  it('rejects unknown flags with usage', async () => {
    await expect(startCli(['--bogus'], () => undefined)).rejects.toBeInstanceOf(CliUsageError);
    let help = '';
    expect(await startCli(['--help'], (t) => (help += t))).toBeUndefined();
    expect(help).toContain('--fixture <file>');
  });
});
