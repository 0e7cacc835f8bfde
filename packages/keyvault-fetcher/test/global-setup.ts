import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeOpensslFixtures } from './openssl-fixtures.js';

/**
 * Runs once before the workers start: makes the openssl fixtures and exposes their directory via
 * KVF_FIXTURES_DIR (workers inherit the environment).
 */
export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), 'kvf-test-'));
  const fixtures = join(root, 'fixtures');
  makeOpensslFixtures(fixtures);
  process.env.KVF_FIXTURES_DIR = fixtures;
  return () => rmSync(root, { recursive: true, force: true });
}
