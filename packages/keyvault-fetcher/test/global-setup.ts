import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureTestTls } from '@keyvault-csi/keyvault-emulator';
import { makeOpensslFixtures } from './openssl-fixtures.js';

/**
 * Runs once before the workers start, which inherit the environment: makes the openssl fixtures
 * (KVF_FIXTURES_DIR) and the emulator's test CA, which must be in NODE_EXTRA_CA_CERTS before a
 * worker starts because Node reads that variable only at process start.
 */
export default async function setup(): Promise<() => void> {
  const root = mkdtempSync(join(tmpdir(), 'kvf-test-'));
  const fixtures = join(root, 'fixtures');
  const [, tls] = await Promise.all([makeOpensslFixtures(fixtures), ensureTestTls(join(root, 'tls'))]);
  process.env.KVF_FIXTURES_DIR = fixtures;
  process.env.KVF_TLS_DIR = tls.dir;
  process.env.NODE_EXTRA_CA_CERTS = tls.caCertPath;
  return () => rmSync(root, { recursive: true, force: true });
}
