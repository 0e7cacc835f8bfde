import { Agent } from 'node:https';
import { SecretClient } from '@azure/keyvault-secrets';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KeyVaultEmulator, type VersionRef } from '../src/index.js';
import { rawGet, TEST_TLS_DIR, TestTokenCredential } from './helpers.js';

describe('secrets over direct https://127.0.0.1 with the real SecretClient', () => {
  let kv: KeyVaultEmulator;
  const reader = new TestTokenCredential('reader-app');
  const client = (options: { serviceVersion?: '7.4' | '2025-07-01' } = {}) =>
    new SecretClient(kv.url, reader, { disableChallengeResourceVerification: true, ...options });
  const rotated: VersionRef[] = [];

  beforeAll(async () => {
    kv = await KeyVaultEmulator.start({ tlsDir: TEST_TLS_DIR });
    const vault = kv.addVault('kv-shop');
    vault.grant('reader-app', { secrets: ['get', 'list'] });
    vault.setSecret('db-password', { value: 'old', created: '2024-01-01T00:00:00Z' });
    vault.setSecret('db-password', {
      value: 'new',
      created: '2024-06-01T00:00:00Z',
      contentType: 'text/plain',
      tags: { env: 'test' },
    });
    // Five versions added newest first: insertion order is not chronological order.
    for (let i = 4; i >= 0; i--)
      rotated.push(vault.setSecret('rotated', { value: `v${i}`, created: 1_700_000_000 + i * 60 }));
    vault.setSecret('expired', {
      value: 'still served',
      expires: '2001-01-01T00:00:00Z',
      notBefore: 946684800,
    });
  });
  afterAll(() => kv.stop());
  beforeEach(() => kv.resetStats());

  it('runs in a worker that trusts the test CA through NODE_EXTRA_CA_CERTS set in globalSetup', () => {
    expect(process.env['NODE_EXTRA_CA_CERTS']).toBe(kv.caCertPath);
  });

  it('gets the current (newest created) version after one challenge round trip', async () => {
    const sc = client();
    const secret = await sc.getSecret('db-password');
    expect(secret.value).toBe('new');
    expect(secret.properties.contentType).toBe('text/plain');
    expect(secret.properties.tags).toEqual({ env: 'test' });
    expect(secret.properties.vaultUrl).toBe(kv.url);
    expect(secret.properties.createdOn).toEqual(new Date('2024-06-01T00:00:00Z'));
    expect(kv.stats()).toMatchObject({ total: 2, probes: 1, authorized: 1, byIdentity: { 'reader-app': 1 } });
    await sc.getSecret('db-password');
    expect(kv.stats()).toMatchObject({ probes: 1, authorized: 2 });
    expect(kv.countRequests({ path: '/secrets/db-password', probe: false })).toBe(2);
  });

  it('serves the current version for /name/ and /name alike, and any version by id', async () => {
    const slash = await rawGet(`${kv.url}/secrets/rotated/?api-version=2025-07-01`, {
      clientId: 'reader-app',
    });
    const bare = await rawGet(`${kv.url}/secrets/rotated?api-version=2025-07-01`, { clientId: 'reader-app' });
    expect(JSON.parse(slash.body)).toEqual(JSON.parse(bare.body));
    expect(JSON.parse(bare.body)).toMatchObject({
      value: 'v4',
      id: `${kv.url}/secrets/rotated/${rotated[0]!.version}`,
    });
    const old = await client().getSecret('rotated', { version: rotated[4]!.version });
    expect(old.value).toBe('v0');
  });

  it('matches object names case-insensitively and keeps the stored spelling in identifiers', async () => {
    const secret = await client().getSecret('DB-Password');
    expect(secret.value).toBe('new');
    expect(secret.properties.id).toMatch(new RegExp(`^${kv.url}/secrets/db-password/[0-9a-f]{32}$`));
  });

  it('lists versions across pages with absolute nextLinks that keep api-version', async () => {
    const pages: string[][] = [];
    for await (const page of client({ serviceVersion: '7.4' })
      .listPropertiesOfSecretVersions('rotated')
      .byPage({ maxPageSize: 2 })) {
      pages.push(page.map((p) => p.version!));
    }
    expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
    expect(pages.flat()).toEqual(rotated.map((r) => r.version));
    expect(kv.stats().apiVersions).toEqual({ '7.4': 4 });
    const first = JSON.parse(
      (
        await rawGet(`${kv.url}/secrets/rotated/versions?api%2Dversion=2025-07-01&maxresults=2`, {
          clientId: 'reader-app',
        })
      ).body,
    );
    expect(first.value[0]).not.toHaveProperty('value');
    const next = new URL(first.nextLink);
    expect(next.origin).toBe(kv.url);
    expect(first.nextLink).toContain('$skiptoken=');
    expect(next.searchParams.get('api-version')).toBe('2025-07-01');
    expect(next.searchParams.get('maxresults')).toBe('2');
  });

  it('can shuffle the listing order but pages stay consistent', async () => {
    const vault = kv.vault('kv-shop');
    vault.versionOrder = 'shuffled';
    try {
      const listed: string[] = [];
      for await (const page of client()
        .listPropertiesOfSecretVersions('rotated')
        .byPage({ maxPageSize: 1 })) {
        listed.push(...page.map((p) => p.version!));
      }
      expect([...listed].sort()).toEqual(rotated.map((r) => r.version).sort());
      expect(listed).not.toEqual(rotated.map((r) => r.version));
    } finally {
      vault.versionOrder = 'insertion';
    }
  });

  it('answers disabled versions with 403 SecretDisabled and still serves the others', async () => {
    const vault = kv.vault('kv-shop');
    const a = vault.setSecret('toggle', { value: 'a', created: 1 });
    vault.setSecret('toggle', { value: 'b', created: 2, enabled: false });
    const err = await client()
      .getSecret('toggle')
      .catch((e: unknown) => e);
    expect(err).toMatchObject({
      statusCode: 403,
      code: 'Forbidden',
      message: 'Operation get is not allowed on a disabled secret.',
      details: { error: { innerError: { code: 'SecretDisabled' } } },
    });
    expect((await client().getSecret('toggle', { version: a.version })).value).toBe('a');
    const listed: boolean[] = [];
    for await (const p of client().listPropertiesOfSecretVersions('toggle')) listed.push(p.enabled!);
    expect(listed).toEqual([true, false]);
    vault.enable('secrets', 'toggle');
    expect((await client().getSecret('toggle')).value).toBe('b');
  });

  it('still serves expired secrets with 200', async () => {
    const secret = await client().getSecret('expired');
    expect(secret.value).toBe('still served');
    expect(secret.properties.expiresOn).toEqual(new Date('2001-01-01T00:00:00Z'));
    expect(secret.properties.notBefore).toEqual(new Date('2000-01-01T00:00:00Z'));
  });

  it('answers unknown names and versions with 404 SecretNotFound; an unknown name lists no versions', async () => {
    await expect(client().getSecret('missing')).rejects.toMatchObject({
      statusCode: 404,
      code: 'SecretNotFound',
    });
    await expect(client().getSecret('rotated', { version: '0'.repeat(32) })).rejects.toMatchObject({
      statusCode: 404,
      code: 'SecretNotFound',
    });
    const listed = [];
    for await (const p of client().listPropertiesOfSecretVersions('missing')) listed.push(p);
    expect(listed).toEqual([]);
  });

  it('echoes x-ms-client-request-id, adds x-ms-request-id and sends JSON with charset', async () => {
    const res = await rawGet(`${kv.url}/secrets/db-password/?api-version=2025-07-01`, {
      clientId: 'reader-app',
      headers: { 'x-ms-client-request-id': 'req-123' },
    });
    expect(res.status).toBe(200);
    expect(res.headers['x-ms-client-request-id']).toBe('req-123');
    expect(res.headers['x-ms-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
  });

  it('refuses a missing api-version and out-of-range maxresults with 400 BadParameter', async () => {
    const noVersion = await rawGet(`${kv.url}/secrets/db-password/`, { clientId: 'reader-app' });
    expect(noVersion.status).toBe(400);
    expect(JSON.parse(noVersion.body).error.code).toBe('BadParameter');
    const tooMany = await rawGet(`${kv.url}/secrets/rotated/versions?api-version=7.4&maxresults=26`, {
      clientId: 'reader-app',
    });
    expect(tooMany.status).toBe(400);
  });

  it('also answers plain HTTP on the same port (SDK with allowInsecureConnection, unit tests only)', async () => {
    const plain = new SecretClient(kv.url.replace('https:', 'http:'), reader, {
      allowInsecureConnection: true,
      disableChallengeResourceVerification: true,
    });
    const secret = await plain.getSecret('db-password');
    expect(secret.value).toBe('new');
    expect(secret.properties.id?.startsWith(`http://127.0.0.1:${kv.port}/secrets/db-password/`)).toBe(true);
    expect(kv.requests.at(-1)?.via).toBe('http');
  });

  it('serves https://<vault>.vault.azure.net:<port> when a custom agent resolves it to 127.0.0.1 (docs/keyvault-rest.md §7 option C)', async () => {
    const agent = new Agent({
      lookup: ((_host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) =>
        options.all
          ? callback(null, [{ address: '127.0.0.1', family: 4 }])
          : callback(null, '127.0.0.1', 4)) as never,
    });
    try {
      const viaName = new SecretClient(`https://kv-shop.vault.azure.net:${kv.port}`, reader, { agent });
      const secret = await viaName.getSecret('db-password');
      expect(secret.value).toBe('new');
      expect(secret.properties.vaultUrl).toBe(`https://kv-shop.vault.azure.net:${kv.port}`);
    } finally {
      agent.destroy();
    }
  });
});
