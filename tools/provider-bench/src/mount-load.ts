import { Metadata, type ServiceError, status } from '@grpc/grpc-js';
import type { CSIDriverProviderClient, MountResponse } from '@keyvault-csi/csi-driver/proto';
import { driverAttributes } from '@keyvault-csi/fake-csi-driver';

export interface BenchPod {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
}

/** `count` pods `<prefix>-<i>` in namespace `bench` with stable uids. */
export function benchPods(prefix: string, count: number): BenchPod[] {
  return Array.from({ length: count }, (_, i) => ({
    namespace: 'bench',
    name: `${prefix}-${i}`,
    uid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
  }));
}

/** The Mount `attributes` the driver sends for a pod-identity SecretProviderClass of these secrets. */
export function mountAttributes(
  vault: string,
  secretNames: readonly string[],
  pod: BenchPod,
  extraParameters: Readonly<Record<string, string>> = {},
): string {
  const objects = `array:\n${secretNames
    .map((name) => `  - |\n    objectName: ${name}\n    objectType: secret\n`)
    .join('')}`;
  return driverAttributes(
    { usePodIdentity: 'true', keyvaultName: vault, tenantId: 'bench-tenant', objects, ...extraParameters },
    { ...pod, serviceAccountName: 'default' },
  );
}

/**
 * A `templates` parameter (extensions.md §8) of `count` templates over `secretNames`: each renders
 * an env-style file from its share of the secrets with `file`, `trim` and `base64`, and one
 * `exists` test, like a real `.env` or connection-string template.
 */
export function templatesParameter(secretNames: readonly string[], count: number): string {
  const entries: string[] = [];
  for (let t = 0; t < count; t++) {
    const mine = secretNames.filter((_, i) => i % count === t);
    const lines = mine.map(
      (name, i) => `KEY_${i}={{trim (file "${name}")}}\nKEY_${i}_B64={{base64 (file "${name}")}}`,
    );
    lines.push(`{{#if (exists "${mine[0] ?? 'none'}")}}PRESENT=1{{/if}}`);
    const template = `${lines.join('\n')}\n`;
    entries.push(`  - |\n    fileName: rendered/t${t}.env\n    template: ${JSON.stringify(template)}\n`);
  }
  return `array:\n${entries.join('')}`;
}

export interface MountResult {
  readonly ok: boolean;
  /** gRPC status code (0 = OK). */
  readonly code: number;
  readonly details: string;
  readonly ms: number;
  readonly response?: MountResponse;
}

/** One Mount straight over gRPC with a deadline; never throws. */
export function mountOnce(
  client: CSIDriverProviderClient,
  attributes: string,
  timeoutMs = 60_000,
  permission = '420',
): Promise<MountResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    client.mount(
      { attributes, secrets: 'null', targetPath: '/bench-target', permission, currentObjectVersion: [] },
      new Metadata({ waitForReady: true }),
      { deadline: Date.now() + timeoutMs },
      (error: ServiceError | null, response?: MountResponse) => {
        const ms = performance.now() - started;
        if (error) resolve({ ok: false, code: error.code, details: error.details, ms });
        else resolve({ ok: true, code: status.OK, details: '', ms, ...(response ? { response } : {}) });
      },
    );
  });
}

/** Runs `count` tasks with at most `concurrency` in flight; results in task order. */
export async function runPool<T>(
  count: number,
  concurrency: number,
  task: (index: number) => Promise<T>,
): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      results[index] = await task(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Counts failures by gRPC code name-able number. */
export function errorsByCode(results: readonly MountResult[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of results) if (!r.ok) counts[String(r.code)] = (counts[String(r.code)] ?? 0) + 1;
  return counts;
}
