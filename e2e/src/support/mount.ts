import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ProviderStack } from '@keyvault-csi/demo';
import { DriverMountError, driverAttributes, mountVolume } from '@keyvault-csi/fake-csi-driver';

export interface TestPod {
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
}

export function newPod(name = 'app', namespace = 'default'): TestPod {
  return { name, namespace, uid: randomUUID() };
}

/** The `objects` parameter for a list of per-object YAML mappings. */
export function objectsYaml(objects: readonly Record<string, string | number>[]): string {
  const items = objects.map(
    (o) =>
      `  - |\n${Object.entries(o)
        .map(([k, v]) => `    ${k}: ${typeof v === 'number' ? v : JSON.stringify(v)}`)
        .join('\n')}\n`,
  );
  return `array:\n${items.join('')}`;
}

export interface MountOutcome {
  readonly ok: boolean;
  readonly targetPath: string;
  readonly objectVersions: ReadonlyMap<string, string>;
  readonly files: readonly { path: string; mode: number; contents: Buffer }[];
  /** gRPC code and status message on failure. */
  readonly grpcCode?: number;
  readonly message?: string;
}

/** One NodePublishVolume through the fake driver; failures are returned, not thrown. */
export async function mount(
  stack: ProviderStack,
  parameters: Readonly<Record<string, string>>,
  pod: TestPod,
  options: { targetPath?: string; timeoutMs?: number; secrets?: string } = {},
): Promise<MountOutcome> {
  const targetPath = options.targetPath ?? mkdtempSync(path.join(os.tmpdir(), 'e2e-mnt-'));
  // The driver calls the provider only for a volume naming its SecretProviderClass; kubelet marks
  // inline volumes ephemeral. Both arrive in every real request (e2e/real-driver).
  const attributes = driverAttributes(
    parameters,
    { name: pod.name, namespace: pod.namespace, uid: pod.uid, serviceAccountName: 'default' },
    {
      secretProviderClass: parameters.secretProviderClass ?? 'e2e-spc',
      'csi.storage.k8s.io/ephemeral': 'true',
    },
  );
  try {
    const result = await mountVolume(stack.client, {
      attributes,
      targetPath,
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      ...(options.secrets === undefined ? {} : { secrets: options.secrets }),
    });
    return {
      ok: true,
      targetPath,
      objectVersions: result.objectVersions,
      files: result.response.files.map((f) => ({
        path: f.path,
        mode: f.mode,
        contents: Buffer.from(f.contents),
      })),
    };
  } catch (error) {
    if (!(error instanceof DriverMountError)) throw error;
    return {
      ok: false,
      targetPath,
      objectVersions: new Map(),
      files: [],
      ...(error.grpcCode === undefined ? {} : { grpcCode: error.grpcCode }),
      message: error.details ?? error.message,
    };
  }
}

/** SecretProviderClass parameters for pod identity against vault `vault`. */
export function podIdentityParameters(
  vault: string,
  objects: readonly Record<string, string | number>[],
  extra: Readonly<Record<string, string>> = {},
): Record<string, string> {
  return {
    usePodIdentity: 'true',
    keyvaultName: vault,
    tenantId: 'tid',
    objects: objectsYaml(objects),
    ...extra,
  };
}
