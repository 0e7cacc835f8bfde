import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureTestTls } from '../src/test-tls.js';

/** Shared by every test worker: Node reads NODE_EXTRA_CA_CERTS only at process start. */
export const TEST_TLS_DIR = join(tmpdir(), 'keyvault-csi-test-tls');

export default async function setup(): Promise<void> {
  const tls = await ensureTestTls(TEST_TLS_DIR);
  process.env['NODE_EXTRA_CA_CERTS'] = tls.caCertPath;
}
