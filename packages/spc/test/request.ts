import { type MountPlan, type ParseMountRequestOptions, parseMountRequest, SpcError } from '../src/index.js';

/** A pod-identity SecretProviderClass as the driver would send it, with one secret object. */
export const BASE_ATTRIBUTES: Readonly<Record<string, string>> = {
  'csi.storage.k8s.io/pod.name': 'web-0',
  'csi.storage.k8s.io/pod.namespace': 'shop',
  'csi.storage.k8s.io/pod.uid': '9d2e0c1a-5b7f-4c1e-9a53-0f6b2d0f7e11',
  'csi.storage.k8s.io/serviceAccount.name': 'web',
  secretProviderClass: 'kv-shop',
  usePodIdentity: 'true',
  keyvaultName: 'kv-shop',
  tenantId: '72f988bf-0000-0000-0000-000000000000',
  objects: 'array:\n  - |\n    objectName: db-password\n    objectType: secret\n',
};

export interface RequestOverrides {
  readonly secrets?: string;
  readonly permission?: string;
  readonly options?: ParseMountRequestOptions;
}

/** `attributes` overrides BASE_ATTRIBUTES; `undefined` removes a key. */
export function plan(
  attributes: Record<string, string | undefined> = {},
  overrides: RequestOverrides = {},
): MountPlan {
  const merged: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...BASE_ATTRIBUTES, ...attributes })) {
    if (value !== undefined) merged[key] = value;
  }
  return parseMountRequest(
    {
      attributes: JSON.stringify(merged),
      secrets: overrides.secrets ?? 'null',
      permission: overrides.permission ?? '420',
    },
    overrides.options,
  );
}

/** The SpcError a request fails with (fails the test if it succeeds or throws anything else). */
export function failure(
  attributes: Record<string, string | undefined> = {},
  overrides: RequestOverrides = {},
): SpcError {
  try {
    plan(attributes, overrides);
  } catch (error) {
    if (error instanceof SpcError) return error;
    throw error;
  }
  throw new Error('expected the request to fail');
}

/** `objects` text from inner documents. */
export function objects(...items: string[]): string {
  return `array:\n${items.map((item) => `  - |\n${item.replace(/^/gm, '    ')}\n`).join('')}`;
}

export function objectsFailure(...items: string[]): SpcError {
  return failure({ objects: objects(...items) });
}
