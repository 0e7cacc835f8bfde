import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parse } from 'yaml';

const require = createRequire(import.meta.url);

/** The Helm chart's values file (deploy/helm/keyvault-csi/values.yaml) in this repository. */
export function chartValuesPath(): string {
  const appDir = path.dirname(require.resolve('@keyvault-csi/csi-driver/package.json'));
  return path.resolve(appDir, '../../deploy/helm/keyvault-csi/values.yaml');
}

export interface ChartDaemonRuntime {
  /** Node.js flags before the script (`linux.nodeFlags`). */
  readonly nodeOptions: readonly string[];
  /** Extra environment (`linux.env`). */
  readonly env: Readonly<Record<string, string>>;
}

/**
 * How the Helm chart runs the daemon (Node flags and environment), so benchmarks and tests run it as
 * deployed. Read from values.yaml each time: the chart is the one place these settings live.
 */
export function chartDaemonRuntime(valuesPath: string = chartValuesPath()): ChartDaemonRuntime {
  const values = parse(readFileSync(valuesPath, 'utf8')) as {
    linux?: { nodeFlags?: unknown; env?: unknown };
  };
  const flags = values.linux?.nodeFlags;
  const env = values.linux?.env ?? {};
  if (!Array.isArray(flags) || !flags.every((f) => typeof f === 'string')) {
    throw new Error(`${valuesPath}: linux.nodeFlags must be a list of strings`);
  }
  if (typeof env !== 'object' || env === null) throw new Error(`${valuesPath}: linux.env must be a map`);
  return {
    nodeOptions: flags,
    env: Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)])),
  };
}
