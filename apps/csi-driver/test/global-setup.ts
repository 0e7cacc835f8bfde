import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * Builds the app (and the libraries it references) once, so the process tests run the real
 * `dist/main.js`. A failed build is reported to those tests instead of aborting the unit tests.
 */
export default function setup(): void {
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
}
