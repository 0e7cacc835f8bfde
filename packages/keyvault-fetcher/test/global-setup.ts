import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureTestTls } from '@keyvault-csi/keyvault-emulator';
import { makeOpensslFixtures } from './openssl-fixtures.js';

/**
 * The emulator's shared test CA directory (the same one tools/keyvault-emulator's tests use).
 * When the whole workspace runs in one vitest process every project's globalSetup sets
 * NODE_EXTRA_CA_CERTS for all workers, so projects must agree on one CA; ensureTestTls makes it
 * once (under a lock) and reuses it.
 */
const SHARED_TLS_DIR = join(tmpdir(), 'keyvault-csi-test-tls');

/**
 * Runs once before the workers start, which inherit the environment: makes the openssl fixtures
 * (KVF_FIXTURES_DIR) and the emulator's test CA, which must be in NODE_EXTRA_CA_CERTS before a
 * worker starts because Node reads that variable only at process start.
 */
export default async function setup(): Promise<() => void> {
  const root = mkdtempSync(join(tmpdir(), 'kvf-test-'));
  const fixtures = join(root, 'fixtures');
  const [, tls] = await Promise.all([makeOpensslFixtures(fixtures), ensureTestTls(SHARED_TLS_DIR)]);
  process.env.KVF_FIXTURES_DIR = fixtures;
  process.env.KVF_TLS_DIR = tls.dir;
  process.env.NODE_EXTRA_CA_CERTS = tls.caCertPath;
  return () => rmSync(root, { recursive: true, force: true });
}
