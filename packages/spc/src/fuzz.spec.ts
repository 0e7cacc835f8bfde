import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { BASE_ATTRIBUTES } from '../test/request.js';
import {
  KNOWN_PARAMETERS,
  lintSecretProviderClass,
  OBJECT_FIELDS,
  parseMountRequest,
  parseObjects,
  parseSecretProviderClasses,
  SpcError,
} from './index.js';
import { decodeYamlItem } from './private/decode-object.js';
import { decodeSimpleItem } from './private/decode-simple-object.js';

/** Runs `action`; passes when it returns or throws an SpcError, fails on anything else. */
function onlySpcErrors(action: () => unknown): void {
  try {
    action();
  } catch (error) {
    if (!(error instanceof SpcError)) throw error;
    expect(error.message.length).toBeLessThan(4096);
  }
}

const YAML_PIECES = [
  'array:',
  '\n',
  '  ',
  '- ',
  '|',
  '>',
  ': ',
  '[',
  ']',
  '{',
  '}',
  ',',
  '&a ',
  '*a',
  '!!str ',
  '!!int ',
  '? ',
  '"',
  "'",
  '#',
  '---\n',
  '%YAML 1.1\n',
  '\t',
  '~',
  'null',
  '0755',
  '\\',
  '\u0085',
  '\ufeff',
  ...OBJECT_FIELDS.map((field) => `${field}: `),
  'secret',
  'cert',
  'pfx',
  'a/b',
  '..',
];
const yamlish = fc.array(fc.constantFrom(...YAML_PIECES), { maxLength: 60 }).map((parts) => parts.join(''));

const objectDocument = fc.record(
  Object.fromEntries(
    OBJECT_FIELDS.map((field) => [
      field,
      fc.oneof(
        fc.string({ maxLength: 12 }),
        fc.constantFrom('secret', 'key', 'cert', 'pfx', 'PEM', '0600', '3', '-1'),
      ),
    ]),
  ),
  { requiredKeys: [] },
);
const objectsYaml = fc
  .array(
    fc.oneof(
      objectDocument.map((doc) => stringify(doc)),
      yamlish,
      fc.jsonValue().map((v) => stringify(v)),
    ),
    {
      maxLength: 6,
    },
  )
  .map((items) => stringify({ array: items }));

const attributeMap = fc.dictionary(
  fc.oneof(
    fc.constantFrom(
      ...KNOWN_PARAMETERS,
      'csi.storage.k8s.io/pod.name',
      'csi.storage.k8s.io/pod.namespace',
      'csi.storage.k8s.io/serviceAccount.tokens',
      '__proto__',
      'constructor',
    ),
    fc.string({ maxLength: 8 }),
  ),
  fc.oneof(
    fc.string({ maxLength: 20 }),
    fc.constantFrom('true', 'false', 'kv-shop', 'AzureStackCloud', '{}'),
  ),
  { maxKeys: 12 },
);

describe('parseMountRequest never throws anything but SpcError', () => {
  it('for random strings in each payload', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), (attributes, secrets, permission) => {
        onlySpcErrors(() => parseMountRequest({ attributes, secrets, permission }));
      }),
      { numRuns: 200 },
    );
  });

  it('for random JSON values in each payload', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), fc.jsonValue(), (attributes, secrets, permission) => {
        onlySpcErrors(() =>
          parseMountRequest({
            attributes: JSON.stringify(attributes) ?? '',
            secrets: JSON.stringify(secrets) ?? '',
            permission: JSON.stringify(permission) ?? '',
          }),
        );
      }),
      { numRuns: 200 },
    );
  });

  it('for random attribute maps over the real parameter names', () => {
    fc.assert(
      fc.property(attributeMap, (attributes) => {
        onlySpcErrors(() =>
          parseMountRequest(
            {
              attributes: JSON.stringify({ ...BASE_ATTRIBUTES, ...attributes }),
              secrets: 'null',
              permission: '420',
            },
            { readTextFile: () => '{"keyVaultDNSSuffix":"x"}' },
          ),
        );
      }),
      { numRuns: 200 },
    );
  });

  it('for random objects YAML, structured and unstructured', () => {
    fc.assert(
      fc.property(fc.oneof(objectsYaml, yamlish), (objects) => {
        onlySpcErrors(() =>
          parseMountRequest({
            attributes: JSON.stringify({ ...BASE_ATTRIBUTES, objects }),
            secrets: 'null',
            permission: '420',
          }),
        );
        onlySpcErrors(() => parseObjects(objects));
      }),
      { numRuns: 250 },
    );
  });

  it('and never echoes secrets or service-account tokens', () => {
    const secretText = fc.stringMatching(/^[A-Za-z0-9]{12,24}$/);
    fc.assert(
      fc.property(secretText, attributeMap, fc.boolean(), (secret, attributes, broken) => {
        const tokens = broken ? `{"api://AzureADTokenExchange": ${secret}` : `{"x":{"token":"${secret}"}}`;
        try {
          parseMountRequest({
            attributes: JSON.stringify({
              ...BASE_ATTRIBUTES,
              ...attributes,
              'csi.storage.k8s.io/serviceAccount.tokens': tokens,
            }),
            secrets: broken ? `{"clientsecret": ${secret}}` : JSON.stringify({ clientsecret: secret }),
            permission: '420',
          });
        } catch (error) {
          expect(error).toBeInstanceOf(SpcError);
          expect((error as SpcError).message).not.toContain(secret);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('hostile input stays bounded', () => {
  const request = (attributes: Record<string, string>) => () =>
    parseMountRequest({
      attributes: JSON.stringify({ ...BASE_ATTRIBUTES, ...attributes }),
      secrets: 'null',
      permission: '420',
    });

  it('deeply nested JSON and YAML fail with SpcError', () => {
    expect(() =>
      parseMountRequest({ attributes: `{"a":${'['.repeat(200_000)}`, secrets: 'null', permission: '420' }),
    ).toThrow(SpcError);
    expect(() =>
      parseMountRequest({
        attributes: `{"a":${'['.repeat(5_000)}${']'.repeat(5_000)}}`,
        secrets: 'null',
        permission: '420',
      }),
    ).toThrow(
      'failed to unmarshal attributes, error: json: cannot unmarshal array into Go value of type string',
    );
    expect(request({ objects: `array: ${'{a: '.repeat(10_000)}` })).toThrow(SpcError);
    expect(request({ objects: `array:\n  - "${'a: {'.repeat(1_000)}"` })).toThrow(
      /^unmarshal failed for keyVaultObjects at index 0, error: yaml: line 1: document nested deeper than 64 levels$/,
    );
    // Deeper still, the lexeme budget refuses it before any parse.
    expect(request({ objects: `array:\n  - "${'a: {'.repeat(10_000)}"` })).toThrow(
      /^unmarshal failed for keyVaultObjects at index 0, error: objects is too complex: more than 17024 YAML tokens \(the limit for 1000 objects per mount\)$/,
    );
    let nestedBlock = 'array:\n';
    for (let depth = 1; depth < 200; depth++) nestedBlock += `${' '.repeat(depth)}x${depth}:\n`;
    expect(request({ objects: nestedBlock })).toThrow(SpcError);
  });

  it('alias fan-out is refused (billion laughs)', () => {
    const laughs = [
      'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
      'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
      'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
      'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
      'array: [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
    ].join('\n');
    expect(request({ objects: laughs })).toThrow(SpcError);
    const manifest = `kind: SecretProviderClass\napiVersion: secrets-store.csi.x-k8s.io/v1\nx: &o {secretName: s, type: t}\nspec:\n  secretObjects: [${Array(300).fill('*o').join(',')}]\n`;
    expect(() => parseSecretProviderClasses(manifest)).toThrow(/alias references/);
  });

  it('a 10,000-object SecretProviderClass and a 1 MiB value parse without trouble', () => {
    let objects = 'array:\n';
    for (let i = 0; i < 10_000; i++) objects += `  - |\n    objectName: s${i}\n    objectType: secret\n`;
    expect(parseObjects(objects, { maxObjects: 10_000 })).toHaveLength(10_000);
    expect(() => parseObjects(objects)).toThrow(
      'objects is too complex: more than 17024 YAML tokens (the limit for 1000 objects per mount)',
    );
    const huge = 'x'.repeat(1 << 20);
    expect(request({ keyvaultName: huge })).toThrow(
      `failed to get vault: Invalid vault name: "${'x'.repeat(100)}…", must be between 3 and 24 chars`,
    );
    const long = huge.slice(0, 60_000);
    expect(request({ objects: `array:\n  - "objectName: ${long}\\nobjectType: secret"` })).toThrow(
      /^failed to get objectType:secret, objectName:x{100}…, objectVersion:: file name must be at most 4096 bytes, got 60000$/,
    );
    expect(request({ objects: `array:\n  - "objectName: ${huge}\\nobjectType: secret"` })).toThrow(
      /^objects is 1048621 bytes, over the limit of 524288 bytes \(512 KiB\)$/,
    );
  });
});

describe('lint and manifest parsing never throw unexpected errors', () => {
  const manifest = fc
    .tuple(attributeMap, fc.oneof(objectsYaml, yamlish), fc.boolean())
    .map(([parameters, objects, v1]) =>
      stringify({
        apiVersion: v1 ? 'secrets-store.csi.x-k8s.io/v1' : 'secrets-store.csi.x-k8s.io/v1alpha1',
        kind: 'SecretProviderClass',
        metadata: { name: 'x' },
        spec: { provider: 'azure', parameters: { ...parameters, objects } },
      }),
    );

  it('for random manifests and random YAML', () => {
    fc.assert(
      fc.property(fc.oneof(manifest, yamlish, fc.string()), (text) => {
        const diagnostics = lintSecretProviderClass(text, { fileName: 'f.yaml' });
        for (const diagnostic of diagnostics) {
          expect(diagnostic.line).toBeGreaterThanOrEqual(1);
          expect(diagnostic.column).toBeGreaterThanOrEqual(1);
          expect(diagnostic.message).not.toContain('\n');
        }
        onlySpcErrors(() => parseSecretProviderClasses(text));
      }),
      { numRuns: 200 },
    );
  });
});

describe('the fast path for simple objects decodes exactly like YAML', () => {
  const value = fc.oneof(
    fc.constantFrom(
      '',
      ' ""',
      " ''",
      ' null',
      ' Null',
      ' ~',
      ' 0755',
      ' 007',
      ' 5',
      ' -1',
      ' a/b',
      ' .x',
      ' -x',
      ' a:b',
      ' "abc"',
      " 'a.b'",
      ' "null"',
      " '~'",
      ' "-x"',
      ' "007"',
      ' "a b"',
      ' "a\\x"',
    ),
    fc.stringMatching(/^ [A-Za-z0-9_./-]{1,8}$/),
    fc.stringMatching(/^ "[A-Za-z0-9_./-]{0,8}"$/),
    fc.stringMatching(/^ '[A-Za-z0-9_./-]{0,8}'$/),
  );
  const line = fc.oneof(
    fc
      .tuple(fc.constantFrom(...OBJECT_FIELDS, 'other'), value, fc.constantFrom('', ' # note', '  ', '#x'))
      .map(([key, text, tail]) => `${key}:${text}${tail}`),
    fc.constantFrom('', '# comment', '   ', '  indented: x', '---', 'objectName:x', '\tobjectName: x'),
  );
  const item = fc.array(line, { maxLength: 8 }).map((lines) => lines.join('\n'));

  it('for generated key: value documents', () => {
    let compared = 0;
    fc.assert(
      fc.property(item, fc.boolean(), (text, trailingNewline) => {
        const input = {
          text: trailingNewline ? `${text}\n` : text,
          toOuter: (offset: number) => offset,
          offset: 0,
        };
        const simple = decodeSimpleItem(input);
        if (!simple) return;
        compared++;
        const viaYaml = decodeYamlItem(input, 0, () => {});
        expect(viaYaml).toBeDefined();
        expect(simple.fields).toEqual(viaYaml!.fields);
        expect(simple.objectVersionHistory).toBe(viaYaml!.objectVersionHistory);
        expect(Object.keys(simple.fieldOffsets).sort()).toEqual(Object.keys(viaYaml!.fieldOffsets).sort());
      }),
      { numRuns: 600 },
    );
    expect(compared).toBeGreaterThan(60);
  });
});
