import { describe, expect, it } from 'vitest';
import { failure, objects, plan } from '../test/request.js';
import {
  beginMountRequest,
  DEFAULT_MAX_MOUNT_OBJECTS,
  lintSecretProviderClass,
  MAX_OBJECT_VERSION_HISTORY,
  objectsOfOutcome,
  parseObjectsOutcome,
  SpcError,
} from './index.js';

/** JSON form (`{"array": [...]}`, one line): ~2 YAML lexemes per object. */
const aliases = (count: number): string =>
  JSON.stringify({
    array: Array.from({ length: count }, (_, i) => `objectName: s\nobjectType: secret\nobjectAlias: a${i}`),
  });

describe('per-mount caps, checked before any network call', () => {
  it('refuses more objects than the cap (1,000 by default), naming the count and the cap', () => {
    expect(DEFAULT_MAX_MOUNT_OBJECTS).toBe(1000);
    expect(plan({ objects: aliases(1000) }).objects).toHaveLength(1000);
    const error = failure({ objects: aliases(4000) });
    expect(error.code).toBe('TOO_MANY_OBJECTS');
    expect(error.message).toBe('objects array has 4000 entries, over the limit of 1000 objects per mount');
    expect(error.objectIndex).toBeUndefined();
  });

  it('refuses an objects text with more YAML lexemes than 16 per allowed object + 1,024, before parsing it', () => {
    // Block form: ~7 lexemes per object, so 4,000 of them exceed the budget of 17,024.
    const block = objects(
      ...Array.from({ length: 4000 }, (_, i) => `objectName: s\nobjectType: secret\nobjectAlias: a${i}`),
    );
    const error = failure({ objects: block });
    expect(error.code).toBe('OBJECTS_TOO_COMPLEX');
    expect(error.message).toBe(
      'objects is too complex: more than 17024 YAML tokens (the limit for 1000 objects per mount)',
    );
    // The shape: 512 KiB of `x:\n  - |\n` (640,000 lexemes, 1.3 s and >64 MiB of heap to parse).
    const dense = 'x:\n  - |\n'.repeat(58_000);
    const started = performance.now();
    expect(failure({ objects: dense }).code).toBe('OBJECTS_TOO_COMPLEX');
    expect(performance.now() - started).toBeLessThan(1000);
    // A valid 1,000-object class in block form fits.
    const valid = objects(
      ...Array.from(
        { length: 1000 },
        (_, i) => `objectName: secret-${i}\nobjectType: secret\nobjectAlias: alias-${i}`,
      ),
    );
    expect(plan({ objects: valid }).objects).toHaveLength(1000);
  });

  it('takes the cap from the options (the daemon flag --max-mount-objects)', () => {
    expect(failure({ objects: aliases(3) }, { options: { maxObjects: 2 } }).message).toBe(
      'objects array has 3 entries, over the limit of 2 objects per mount',
    );
    expect(plan({ objects: aliases(1500) }, { options: { maxObjects: 2000 } }).objects).toHaveLength(1500);
  });

  it('refuses too many objects before looking at any of them (a bad item after the cap is not reported)', () => {
    const items = [
      ...Array.from({ length: 1001 }, () => 'objectName: s\nobjectType: secret'),
      'objectType: nope',
    ];
    expect(failure({ objects: objects(...items) }).code).toBe('TOO_MANY_OBJECTS');
  });

  it('refuses objectVersionHistory above 100, naming the value and the limit', () => {
    expect(MAX_OBJECT_VERSION_HISTORY).toBe(100);
    const ok = plan({ objects: objects('objectName: a\nobjectType: secret\nobjectVersionHistory: 100') });
    expect(ok.objects[0]?.objectVersionHistory).toBe(100);
    const error = failure({
      objects: objects('objectName: a\nobjectType: secret\nobjectVersionHistory: 101'),
    });
    expect(error.code).toBe('OBJECT_VERSION_HISTORY_TOO_LARGE');
    expect(error.objectIndex).toBe(0);
    expect(error.message).toBe(
      'failed to get objectType:secret, objectName:a, objectVersion:: objectVersionHistory 101 is over the limit of 100',
    );
    // The YAML path (quoted, flow form) gives the same answer as the fast path.
    expect(
      failure({
        objects: 'array:\n  - "{objectName: a, objectType: secret, objectVersionHistory: 2147483647}"',
      }).code,
    ).toBe('OBJECT_VERSION_HISTORY_TOO_LARGE');
  });

  it('lint reports both caps as errors', () => {
    const manifest = (objectsText: string) =>
      `apiVersion: secrets-store.csi.x-k8s.io/v1\nkind: SecretProviderClass\nmetadata:\n  name: kv\nspec:\n  provider: azure\n  parameters:\n    keyvaultName: kv-shop\n    tenantId: t\n    objects: ${JSON.stringify(objectsText)}\n`;
    const codes = (text: string) => lintSecretProviderClass(manifest(text)).map((d) => d.code);
    expect(codes(aliases(1001))).toContain('TOO_MANY_OBJECTS');
    expect(codes(objects('objectName: a\nobjectType: secret\nobjectVersionHistory: 500'))).toContain(
      'OBJECT_VERSION_HISTORY_TOO_LARGE',
    );
  });
});

describe('parsing the objects apart from the rest of the request', () => {
  const payload = (extra: Record<string, string>) => ({
    attributes: JSON.stringify({
      'csi.storage.k8s.io/pod.name': 'web-0',
      'csi.storage.k8s.io/pod.namespace': 'shop',
      keyvaultName: 'kv-shop',
      tenantId: 't',
      usePodIdentity: 'true',
      objects: '  array:\n  - |\n    objectName: a\n    objectType: secret\n  ',
      ...extra,
    }),
    secrets: 'null',
    permission: '384',
  });

  it('gives the trimmed objects text and mode, then builds the same plan as parseMountRequest', () => {
    const pending = beginMountRequest(payload({}));
    expect(pending.objectsText).toBe('array:\n  - |\n    objectName: a\n    objectType: secret');
    expect(pending.defaultFileMode).toBe(0o600);
    const outcome = parseObjectsOutcome(pending.objectsText, pending.defaultFileMode);
    // Plain data: what a worker thread posts back survives structuredClone.
    const cloned = structuredClone(outcome);
    const built = pending.complete(objectsOfOutcome(cloned));
    expect(built.objects).toEqual([expect.objectContaining({ objectName: 'a', fileMode: 0o600 })]);
    expect(Object.isFrozen(built.objects) && Object.isFrozen(built.objects[0])).toBe(true);
  });

  it('keeps the error order: step 1–12 errors first, objects errors before the vault name (step 16)', () => {
    expect(() => beginMountRequest(payload({ tenantId: '' }))).toThrow('tenantId is not provided');
    const pending = beginMountRequest(payload({ keyvaultName: 'x', objects: 'array: [1' }));
    const outcome = structuredClone(parseObjectsOutcome(pending.objectsText, pending.defaultFileMode));
    expect(outcome.ok).toBe(false);
    let thrown: unknown;
    try {
      objectsOfOutcome(outcome);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(SpcError);
    expect((thrown as SpcError).code).toBe('INVALID_OBJECTS_YAML');
    expect(() => pending.complete([])).toThrow(/Invalid vault name/);
  });
});
