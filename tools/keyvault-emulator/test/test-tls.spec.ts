import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureTestTls, TEST_TLS_HOSTS } from '../src/index.js';

describe('ensureTestTls', () => {
  const dirs: string[] = [];
  const freshDir = async () => {
    const parent = await mkdtemp(join(tmpdir(), 'kv-tls-spec-'));
    dirs.push(parent);
    return join(parent, 'nested', 'tls');
  };
  afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  it('creates a CA and a leaf for the vault, login and loopback hosts, then reuses them', async () => {
    const dir = await freshDir();
    const first = await ensureTestTls(dir);
    const leaf = new X509Certificate(first.leafCertPem);
    const ca = new X509Certificate(first.caCertPem);
    expect(leaf.checkIssued(ca)).toBe(true);
    expect(leaf.verify(ca.publicKey)).toBe(true);
    expect(ca.ca).toBe(true);
    for (const host of [
      'kv-shop.vault.azure.net',
      'kv.vault.usgovcloudapi.net',
      'kv.vault.azure.cn',
      'login.microsoftonline.com',
      'localhost',
    ]) {
      expect(leaf.checkHost(host)).toBeTruthy();
    }
    expect(leaf.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(leaf.checkHost('example.com')).toBeUndefined();
    expect(first.caCertPath).toBe(join(dir, 'ca.pem'));
    const second = await ensureTestTls(dir);
    expect(second.caCertPem).toBe(first.caCertPem);
    expect(second.leafKeyPem).toBe(first.leafKeyPem);
  });

  it('gives concurrent callers one consistent set of files', async () => {
    const dir = await freshDir();
    const results = await Promise.all([ensureTestTls(dir), ensureTestTls(dir), ensureTestTls(dir)]);
    expect(new Set(results.map((r) => r.caCertPem)).size).toBe(1);
    expect(new Set(results.map((r) => r.leafCertPem)).size).toBe(1);
    expect(
      new X509Certificate(results[0]!.leafCertPem).checkIssued(new X509Certificate(results[2]!.caCertPem)),
    ).toBe(true);
  });

  it('regenerates when other host names are asked for', async () => {
    const dir = await freshDir();
    const plain = await ensureTestTls(dir);
    const stack = await ensureTestTls(dir, { extraHosts: ['*.vault.local.azurestack.external'] });
    expect(stack.caCertPem).not.toBe(plain.caCertPem);
    expect(new X509Certificate(stack.leafCertPem).checkHost('kv.vault.local.azurestack.external')).toBe(
      '*.vault.local.azurestack.external',
    );
    expect(TEST_TLS_HOSTS).toContain('*.vault.azure.net');
  });
});
