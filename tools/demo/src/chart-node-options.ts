import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

/** The Helm chart's values file (deploy/helm/keyvault-csi/values.yaml) in this repository. */
export function chartValuesPath(): string {
  const appDir = path.dirname(require.resolve('@keyvault-csi/csi-driver/package.json'));
  return path.resolve(appDir, '../../deploy/helm/keyvault-csi/values.yaml');
}

/**
 * The Node.js options the Helm chart starts the daemon with (`linux.maxOldSpaceSizeMiB`,
 * `linux.maxSemiSpaceSizeMiB`), so benchmarks and tests run the daemon as deployed. Read from
 * values.yaml each time: the chart is the one place these numbers live.
 */
export function chartNodeOptions(valuesPath: string = chartValuesPath()): string[] {
  const values = readFileSync(valuesPath, 'utf8');
  const value = (key: string): string => {
    const match = new RegExp(`^\\s+${key}:\\s*(\\d+)\\s*$`, 'm').exec(values);
    if (!match) throw new Error(`${valuesPath} has no ${key}`);
    return match[1]!;
  };
  return [
    `--max-old-space-size=${value('maxOldSpaceSizeMiB')}`,
    `--max-semi-space-size=${value('maxSemiSpaceSizeMiB')}`,
  ];
}
