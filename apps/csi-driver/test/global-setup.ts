import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureTestTls } from '@keyvault-csi/keyvault-emulator';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * Runs once before the workers start (they inherit the environment):
 * - builds the app and the libraries it references, so the process tests run the real
 *   `dist/main.js`; a failed build is reported to those tests instead of aborting the unit tests;
 * - makes (or reuses) the Key Vault emulator's test CA and puts it in NODE_EXTRA_CA_CERTS, which
 *   Node reads only at process start. The directory is the one every project's tests share: in a
 *   workspace-wide vitest run each globalSetup sets NODE_EXTRA_CA_CERTS for all workers, so all
 *   must agree on one CA (ensureTestTls creates it once, under a lock).
 */
const SHARED_TLS_DIR = join(tmpdir(), 'keyvault-csi-test-tls');

export default async function setup(): Promise<void> {
  try {
    execFileSync(
      process.execPath,
      ['node_modules/typescript/bin/tsc', '--build', 'apps/csi-driver/tsconfig.lib.json'],
      {
        cwd: root,
        stdio: 'pipe',
        encoding: 'utf8',
      },
    );
  } catch (error) {
    const output = (error as { stdout?: string }).stdout ?? String(error);
    process.env['CSI_DRIVER_BUILD_ERROR'] = output.slice(0, 4000);
  }
  const tls = await ensureTestTls(SHARED_TLS_DIR);
  process.env['CSI_DRIVER_TLS_DIR'] = tls.dir;
  process.env['NODE_EXTRA_CA_CERTS'] = tls.caCertPath;
}
