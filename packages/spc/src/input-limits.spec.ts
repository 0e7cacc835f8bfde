import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASE_ATTRIBUTES, failure, plan } from '../test/request.js';
import {
  lintSecretProviderClass,
  MAX_ATTRIBUTES_BYTES,
  MAX_OBJECT_BYTES,
  MAX_OBJECTS_BYTES,
  MAX_SECRETS_BYTES,
  parseMountRequest,
  parseObjects,
  SpcError,
} from './index.js';

const ONE_OBJECT = 'array:\n  - |\n    objectName: db-password\n    objectType: secret\n';

/** `text` followed by a YAML comment that brings it to exactly `bytes` UTF-8 bytes. */
function paddedWithComment(text: string, bytes: number): string {
  const padded = `${text}# ${'p'.repeat(bytes - Buffer.byteLength(text) - 2)}`;
  expect(Buffer.byteLength(padded)).toBe(bytes);
  return padded;
}

/** One object written in JSON form, whose item text is exactly `bytes` UTF-8 bytes. */
function objectOfSize(bytes: number, filler = 'p'): string {
  const head = 'objectName: big\nobjectType: secret\n# ';
  const fill = filler.repeat(Math.floor((bytes - head.length) / Buffer.byteLength(filler)));
  const item = `${head}${fill}${'q'.repeat(bytes - Buffer.byteLength(head + fill))}`;
  expect(Buffer.byteLength(item)).toBe(bytes);
  return JSON.stringify({ array: ['objectName: first\nobjectType: secret', item] });
}

describe('the attributes JSON limit (2 MiB)', () => {
  /** Valid attributes of exactly `bytes` bytes: an ignored parameter holds the padding. */
  function attributesOfSize(bytes: number): string {
    const base = JSON.stringify({ ...BASE_ATTRIBUTES, padding: '' });
    const attributes = JSON.stringify({ ...BASE_ATTRIBUTES, padding: 'p'.repeat(bytes - base.length) });
    expect(Buffer.byteLength(attributes)).toBe(bytes);
    return attributes;
  }

  it('accepts attributes of exactly the limit', () => {
    const attributes = attributesOfSize(MAX_ATTRIBUTES_BYTES);
    const result = parseMountRequest({ attributes, secrets: 'null', permission: '420' });
    expect(result.objects.map((o) => o.fileName)).toEqual(['db-password']);
  });

  it('refuses one byte more before parsing, naming the limit and the size but not the content', () => {
    const attributes = attributesOfSize(MAX_ATTRIBUTES_BYTES + 1);
    const error = catchSpcError(() => parseMountRequest({ attributes, secrets: 'null', permission: '420' }));
    expect(error.code).toBe('ATTRIBUTES_TOO_LARGE');
    expect(error.message).toBe(
      'failed to unmarshal attributes, error: attributes JSON is 2097153 bytes, over the limit of 2097152 bytes (2 MiB)',
    );
  });

  it('counts UTF-8 bytes, not characters', () => {
    const base = JSON.stringify({ ...BASE_ATTRIBUTES, padding: '' });
    // Fewer characters than the limit, more bytes: two bytes per "é".
    const attributes = JSON.stringify({
      ...BASE_ATTRIBUTES,
      padding: 'é'.repeat((MAX_ATTRIBUTES_BYTES - base.length) / 2 + 1),
    });
    expect(attributes.length).toBeLessThan(MAX_ATTRIBUTES_BYTES);
    const error = catchSpcError(() => parseMountRequest({ attributes, secrets: 'null', permission: '420' }));
    expect(error.code).toBe('ATTRIBUTES_TOO_LARGE');
    expect(error.message).not.toContain('é');
  });

  it('comes before every other check (even invalid JSON is refused by size alone)', () => {
    const error = catchSpcError(() =>
      parseMountRequest({
        attributes: `{"a":"${'x'.repeat(MAX_ATTRIBUTES_BYTES)}`,
        secrets: '',
        permission: '',
      }),
    );
    expect(error.code).toBe('ATTRIBUTES_TOO_LARGE');
  });
});

describe('the secrets JSON limit (2 MiB)', () => {
  /** A nodePublishSecretRef payload of exactly `bytes` bytes. */
  function secretsOfSize(bytes: number): string {
    const base = JSON.stringify({ clientid: 'c', clientsecret: '' });
    const secrets = JSON.stringify({ clientid: 'c', clientsecret: 's'.repeat(bytes - base.length) });
    expect(Buffer.byteLength(secrets)).toBe(bytes);
    return secrets;
  }

  it('accepts secrets of exactly the limit', () => {
    const result = plan({ usePodIdentity: undefined }, { secrets: secretsOfSize(MAX_SECRETS_BYTES) });
    expect(result.identity.mode).toBe('ServicePrincipal');
  });

  it('refuses one byte more, naming the limit and the size but never the secret', () => {
    const error = failure({}, { secrets: secretsOfSize(MAX_SECRETS_BYTES + 1) });
    expect(error.code).toBe('SECRETS_TOO_LARGE');
    expect(error.message).toBe(
      'failed to unmarshal secrets, error: secrets JSON is 2097153 bytes, over the limit of 2097152 bytes (2 MiB)',
    );
  });
});

describe('the objects limit (512 KiB)', () => {
  it('accepts an objects value of exactly the limit (after trimming)', () => {
    const objects = `\n  ${paddedWithComment(ONE_OBJECT, MAX_OBJECTS_BYTES)}\n\n`;
    expect(plan({ objects }).objects.map((o) => o.fileName)).toEqual(['db-password']);
  });

  it('refuses one byte more, in parseMountRequest, parseObjects and lint', () => {
    const objects = paddedWithComment(ONE_OBJECT, MAX_OBJECTS_BYTES + 1);
    const expected = 'objects is 524289 bytes, over the limit of 524288 bytes (512 KiB)';
    expect(failure({ objects })).toMatchObject({ code: 'OBJECTS_TOO_LARGE', message: expected });
    expect(catchSpcError(() => parseObjects(objects))).toMatchObject({
      code: 'OBJECTS_TOO_LARGE',
      message: expected,
    });
    const manifest = `apiVersion: secrets-store.csi.x-k8s.io/v1
kind: SecretProviderClass
metadata:
  name: big
spec:
  provider: azure
  parameters:
    usePodIdentity: "true"
    keyvaultName: kv-shop
    tenantId: 72f988bf-0000-0000-0000-000000000000
    objects: ${JSON.stringify(objects)}
`;
    expect(lintSecretProviderClass(manifest)).toEqual([
      { severity: 'error', code: 'OBJECTS_TOO_LARGE', message: expected, line: 11, column: 14 },
    ]);
  });

  it('comes after steps 1–11, like the other objects checks', () => {
    const objects = paddedWithComment(ONE_OBJECT, MAX_OBJECTS_BYTES + 1);
    expect(failure({ objects, tenantId: undefined }).code).toBe('TENANT_ID_MISSING');
  });
});

describe('the per-object limit (64 KiB)', () => {
  it('accepts an object document of exactly the limit', () => {
    const objects = objectOfSize(MAX_OBJECT_BYTES);
    expect(plan({ objects }).objects.map((o) => o.fileName)).toEqual(['first', 'big']);
  });

  it('refuses one byte more with the object index, and lint points at that item', () => {
    const objects = objectOfSize(MAX_OBJECT_BYTES + 1, 'é');
    const expected =
      'unmarshal failed for keyVaultObjects at index 1, error: object is 65537 bytes, over the limit of 65536 bytes (64 KiB)';
    const error = failure({ objects });
    expect(error).toMatchObject({ code: 'OBJECT_TOO_LARGE', message: expected, objectIndex: 1 });
    expect(error.message).not.toContain('é');

    const manifest = `apiVersion: secrets-store.csi.x-k8s.io/v1
kind: SecretProviderClass
metadata:
  name: big
spec:
  provider: azure
  parameters:
    usePodIdentity: "true"
    keyvaultName: kv-shop
    tenantId: 72f988bf-0000-0000-0000-000000000000
    objects: |
      array:
        - "objectName: a\\nobjectType: Secret"
        - ${JSON.stringify(JSON.parse(objects).array[1])}
`;
    expect(lintSecretProviderClass(manifest).filter((d) => d.severity === 'error')).toEqual([
      expect.objectContaining({ code: 'INVALID_OBJECT_TYPE', line: 13 }),
      { severity: 'error', code: 'OBJECT_TOO_LARGE', message: expected, line: 14, column: 11 },
    ]);
  });

  it('reports an earlier object’s error first', () => {
    const big = JSON.parse(objectOfSize(MAX_OBJECT_BYTES + 1)).array[1];
    const objects = JSON.stringify({ array: ['objectName: a\nobjectType: Secret', big] });
    expect(failure({ objects })).toMatchObject({ code: 'INVALID_OBJECT_TYPE', objectIndex: 0 });
  });
});

describe('under the Helm chart heap cap (node --max-old-space-size=64)', () => {
  const packageDir = path.resolve(import.meta.dirname, '..');
  let buildDir = '';

  // The child runs this package's current source: transpiled to JavaScript under out-tsc/, where
  // `yaml` resolves through the package's node_modules.
  beforeAll(() => {
    mkdirSync(path.join(packageDir, 'out-tsc'), { recursive: true });
    buildDir = mkdtempSync(path.join(packageDir, 'out-tsc', 'heap-cap-'));
    writeFileSync(path.join(buildDir, 'package.json'), '{"type":"module"}');
    for (const entry of readdirSync(path.join(packageDir, 'src'), { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !entry.name.endsWith('.ts') || entry.name.endsWith('.spec.ts')) continue;
      const source = path.join(entry.parentPath, entry.name);
      const target = path.join(buildDir, path.relative(path.join(packageDir, 'src'), source));
      const output = ts.transpileModule(readFileSync(source, 'utf8'), {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      });
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target.replace(/\.ts$/, '.js'), output.outputText);
    }
  });
  afterAll(() => {
    if (buildDir) rmSync(buildDir, { recursive: true, force: true });
  });

  it('answers every crashing input shape with the typed error and exits 0', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        '--max-old-space-size=64',
        path.join(packageDir, 'test/heap-cap-child.mjs'),
        path.join(buildDir, 'index.js'),
      ],
      { maxBuffer: 1 << 20, timeout: 60_000 },
    );
    const outcomes = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { shape?: string; code?: string; objects?: number });
    expect(outcomes.map(({ shape, code }) => [shape, code])).toEqual([
      ['quoted name', 'OBJECTS_TOO_LARGE'],
      ['multi-line quoted item', 'OBJECTS_TOO_LARGE'],
      ['multi-line plain name', 'OBJECTS_TOO_LARGE'],
      ['block item', 'OBJECTS_TOO_LARGE'],
      ['many small objects (JSON form)', 'OBJECTS_TOO_LARGE'],
      ['attributes of many keys', 'ATTRIBUTES_TOO_LARGE'],
      ['secrets of many keys', 'SECRETS_TOO_LARGE'],
      ['largest accepted: JSON-form objects and many keys', 'OK'],
      [undefined, undefined],
    ]);
    expect(outcomes[7]?.objects).toBeGreaterThan(12_000);
  }, 90_000);
});

function catchSpcError(action: () => unknown): SpcError {
  try {
    action();
  } catch (error) {
    if (error instanceof SpcError) return error;
    throw error;
  }
  throw new Error('expected an SpcError');
}
