import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYamlDocument } from 'yaml';
import { SPEC_EXAMPLE } from '../test/manifests.js';
import {
  buildMountAttributes,
  lintSecretProviderClass,
  parseMountRequest,
  parseSecretProviderClasses,
  SpcError,
} from './index.js';

const EXAMPLES = new URL('../../../examples/pod-identity/', import.meta.url);

describe('parseSecretProviderClasses', () => {
  it('parses a v1 class with parameters kept as strings', () => {
    const [spc] = parseSecretProviderClasses(SPEC_EXAMPLE);
    expect(spc!.apiVersion).toBe('secrets-store.csi.x-k8s.io/v1');
    expect(spc!.metadata).toEqual({ name: 'kv-shop', namespace: 'shop' });
    expect(spc!.spec.provider).toBe('azure');
    expect(spc!.spec.parameters.tenantId).toBe('72f988bf-0000-0000-0000-000000000000');
    expect(spc!.spec.parameters.objects).toContain('filePermission: 0600\n');
    expect(spc!.spec.secretObjects).toEqual([]);
  });

  it('reads every SecretProviderClass of a multi-document stream (v1alpha1 too), skipping other kinds', () => {
    const stream = `${SPEC_EXAMPLE}---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\n---\n${SPEC_EXAMPLE.replace(
      'x-k8s.io/v1\n',
      'x-k8s.io/v1alpha1\n',
    ).replace('name: kv-shop,', 'name: second,')}---\n`;
    const classes = parseSecretProviderClasses(stream);
    expect(classes.map((c) => [c.metadata.name, c.apiVersion, c.documentIndex])).toEqual([
      ['kv-shop', 'secrets-store.csi.x-k8s.io/v1', 0],
      ['second', 'secrets-store.csi.x-k8s.io/v1alpha1', 2],
    ]);
  });

  it('reads secretObjects with labels, annotations and data', () => {
    const manifest = `${SPEC_EXAMPLE}  secretObjects:
    - secretName: shop-tls
      type: kubernetes.io/tls
      labels: {app: shop}
      annotations: {note: "1"}
      data:
        - objectName: tls/bundle.pem
          key: tls.crt
`;
    const [spc] = parseSecretProviderClasses(manifest);
    expect(spc!.spec.secretObjects).toEqual([
      {
        secretName: 'shop-tls',
        type: 'kubernetes.io/tls',
        labels: { app: 'shop' },
        annotations: { note: '1' },
        data: [{ objectName: 'tls/bundle.pem', key: 'tls.crt' }],
      },
    ]);
  });

  it('keeps prototype names as plain parameter keys', () => {
    const [spc] = parseSecretProviderClasses(
      SPEC_EXAMPLE.replace('  parameters:\n', '  parameters:\n    __proto__: x\n'),
    );
    expect(Object.keys(spc!.spec.parameters)).toContain('__proto__');
    expect(Object.getOwnPropertyDescriptor(spc!.spec.parameters, '__proto__')?.value).toBe('x');
  });

  it('throws SpcError with a position on the first error', () => {
    const expectFailure = (text: string, message: RegExp): void => {
      let caught: unknown;
      try {
        parseSecretProviderClasses(text);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(SpcError);
      expect((caught as SpcError).code).toBe('INVALID_MANIFEST');
      expect((caught as SpcError).message).toMatch(message);
    };
    expectFailure('kind: SecretProviderClass\nspec: [', /^line \d+, column \d+: yaml: /);
    expectFailure(
      SPEC_EXAMPLE.replace('x-k8s.io/v1', 'x-k8s.io/v2'),
      /^line 1, column 13: apiVersion "secrets/,
    );
    expectFailure(
      SPEC_EXAMPLE.replace('usePodIdentity: "true"', 'usePodIdentity: true'),
      /^line 7, column 21: parameter "usePodIdentity" must be a string/,
    );
    expectFailure(SPEC_EXAMPLE.replace('  provider: azure\n', ''), /spec.provider is required/);
  });

  it('lints the docs/spc-parameters.md example clean', () => {
    expect(lintSecretProviderClass(SPEC_EXAMPLE)).toEqual([]);
  });

  it('returns nothing for a stream without SecretProviderClass', () => {
    expect(parseSecretProviderClasses('')).toEqual([]);
    expect(parseSecretProviderClasses('kind: Pod\n')).toEqual([]);
  });
});

describe('the seed example (examples/pod-identity)', () => {
  const spcText = readFileSync(new URL('secretproviderclass.yaml', EXAMPLES), 'utf8');
  const podText = readFileSync(new URL('pod.yaml', EXAMPLES), 'utf8');

  it('mounts secret1 and key1 with pod identity once the driver adds the pod attributes', () => {
    const [spc] = parseSecretProviderClasses(spcText);
    expect(spc!.apiVersion).toBe('secrets-store.csi.x-k8s.io/v1alpha1');
    const pod = parseYamlDocument(podText) as {
      metadata: { name: string; namespace?: string };
      spec: { volumes: { csi: { volumeAttributes: Record<string, string> } }[] };
    };
    const volumeAttributes = pod.spec.volumes[0]!.csi.volumeAttributes;
    expect(volumeAttributes.secretProviderClass).toBe(spc!.metadata.name);
    const attributes = buildMountAttributes(
      spc!,
      {
        name: pod.metadata.name,
        namespace: pod.metadata.namespace ?? 'default',
        uid: '00000000-0000-4000-8000-000000000001',
        serviceAccountName: 'default',
      },
      volumeAttributes,
    );
    const plan = parseMountRequest({ attributes, secrets: 'null', permission: '420' });
    expect(plan.identity).toEqual({ mode: 'PodIdentity', podIdentityClientId: '' });
    expect(plan.vaultUrl).toBe('https://kvname.vault.azure.net/');
    expect(plan.tenantId).toBe('tid');
    expect(plan.cloud.name).toBe('AzurePublicCloud');
    expect(plan.pod).toMatchObject({ name: 'busybox-secrets-store-inline-podid', namespace: 'default' });
    expect(plan.secretProviderClass).toBe('azure-kvname-podid');
    expect(plan.objects.map((o) => [o.objectName, o.objectType, o.objectVersion, o.fileName])).toEqual([
      ['secret1', 'secret', '', 'secret1'],
      ['key1', 'key', '', 'key1'],
    ]);
  });

  it('lints clean', () => {
    expect(lintSecretProviderClass(spcText, { fileName: 'secretproviderclass.yaml' })).toEqual([]);
  });

  it('fails like the reference without podInfoOnMount (no pod attributes)', () => {
    const [spc] = parseSecretProviderClasses(spcText);
    const attributes = JSON.stringify(spc!.spec.parameters);
    expect(() => parseMountRequest({ attributes, secrets: 'null', permission: '420' })).toThrow(
      'pod name is not provided',
    );
  });
});
