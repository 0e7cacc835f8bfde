import { renderTemplates, TemplateCache } from '@keyvault-csi/templates';
import { describe, expect, it } from 'vitest';
import { BASE_ATTRIBUTES, failure, plan } from '../test/request.js';
import {
  beginMountRequest,
  lintSecretProviderClass,
  objectsOfOutcome,
  parseObjectsOutcome,
  parseTemplatesOutcome,
  SpcError,
  templatesOfOutcome,
} from './index.js';

const OBJECTS = `array:
  - |
    objectName: db
    objectType: secret
  - |
    objectName: db-password
    objectType: secret
  - |
    objectName: api-key
    objectType: secret
  - |
    objectName: feature-flag
    objectType: secret
  - |
    objectName: history
    objectType: secret
    objectVersionHistory: 3
`;

// The example of extensions.md §8, as written there.
const TEMPLATES = `array:
  - |
    fileName: conf/db.url
    filePermission: "0600"
    template: 'postgres://{{json "db" "username"}}:{{file "db-password"}}@{{json "db" "host"}}:5432/app'
  - |
    fileName: app.env
    template: |
      API_KEY={{trim (file "api-key")}}
      {{#if (exists "feature-flag")}}FLAG={{file "feature-flag"}}{{/if}}
`;

function entry(lines: string): string {
  return `array:\n  - |\n${lines
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n')}\n`;
}

describe('templates parameter (extensions.md §8)', () => {
  it('parses, validates and compiles the example; modes from filePermission or the request', () => {
    const parsed = plan({ objects: OBJECTS, templates: TEMPLATES }, { permission: '416' });
    expect(
      parsed.templates?.map((t) => [t.index, t.fileName, t.filePermission, t.fileMode.toString(8)]),
    ).toEqual([
      [0, 'conf/db.url', '0600', '600'],
      [1, 'app.env', '', '640'],
    ]);
    // `template: |` keeps its final newline; the compiled template renders from the mount's files.
    const files = [
      { path: 'db', contents: Buffer.from('{"username":"u","host":"h"}') },
      { path: 'db-password', contents: Buffer.from('p') },
      { path: 'api-key', contents: Buffer.from(' k \n') },
    ];
    const rendered = renderTemplates(
      parsed.templates!.map((t) => ({ fileName: t.fileName, mode: t.fileMode, template: t.template })),
      files,
      { maxOutputBytes: 1000 },
    );
    expect(rendered.map((f) => Buffer.from(f.contents).toString())).toEqual([
      'postgres://u:p@h:5432/app',
      'API_KEY=k\n\n',
    ]);
  });

  it('compiles through options.compileTemplate: a TemplateCache shares templates across mounts', () => {
    const cache = new TemplateCache();
    const options = { options: { compileTemplate: cache.compile } };
    const first = plan({ objects: OBJECTS, templates: TEMPLATES }, options).templates!;
    const second = plan({ objects: OBJECTS, templates: TEMPLATES }, options).templates!;
    expect(second.map((t) => t.template)).toEqual(first.map((t) => t.template));
    expect(second[0]!.template).toBe(first[0]!.template);
    expect(cache.size).toBe(2);
  });

  it('without templates the plan has none (the reference behaviour)', () => {
    expect(plan().templates).toEqual([]);
    expect(plan({ templates: '  ' }).templates).toEqual([]);
  });

  it('fileName is trimmed; template is verbatim (| keeps the final newline, |- drops it)', () => {
    const keep = plan({ templates: entry('fileName: "  a.txt "\ntemplate: |\n  x\n') }).templates![0]!;
    expect(keep.fileName).toBe('a.txt');
    expect(keep.template.source).toBe('x\n');
    const strip = plan({ templates: entry('fileName: a.txt\ntemplate: |-\n  x\n') }).templates![0]!;
    expect(strip.template.source).toBe('x');
    const spaces = plan({ templates: entry("fileName: a.txt\ntemplate: '  x  '") }).templates![0]!;
    expect(spaces.template.source).toBe('  x  ');
  });

  it.each([
    [entry('template: x'), 'TEMPLATE_FILE_NAME_MISSING', 'template at index 0: fileName is not set'],
    [entry('fileName: a'), 'TEMPLATE_MISSING', 'template a: template is not set'],
    [
      entry('fileName: /etc/a\ntemplate: x'),
      'FILE_NAME_ABSOLUTE',
      'template /etc/a: file name must be a relative path',
    ],
    [
      entry('fileName: ../a\ntemplate: x'),
      'FILE_NAME_DOT_DOT',
      "template ../a: file name must not contain '..'",
    ],
    [
      entry('fileName: a//b\ntemplate: x'),
      'FILE_NAME_UNCLEAN',
      'template a//b: file name must be a clean relative path: "a//b"',
    ],
    [
      entry('fileName: a\nfilePermission: "999"\ntemplate: x'),
      'INVALID_FILE_PERMISSION',
      'template a: file permission must be a valid octal number: "999"',
    ],
    [entry('fileName: a\ntemplate: "{{file"'), 'INVALID_TEMPLATE', 'template a: syntax error on line 1:'],
    [
      entry('fileName: a\ntemplate: "{{env \\"HOME\\"}}"'),
      'INVALID_TEMPLATE',
      'template a: unknown helper "env" (line 1, column 3)',
    ],
    [
      entry('fileName: a\ntemplate: "{{password}}"'),
      'INVALID_TEMPLATE',
      'template a: unknown name "password"',
    ],
    [
      entry('fileName: a\ntemplate: "{{json \\"db\\" \\"a..b\\"}}"'),
      'INVALID_TEMPLATE',
      'template a: json: invalid JMESPath expression "a..b"',
    ],
    [
      entry('fileName: db-password\ntemplate: x'),
      'DUPLICATE_FILE_PATH',
      'template db-password: duplicate file path "db-password" (object 0 and template 0)',
    ],
    [
      entry('fileName: db-password/x\ntemplate: x'),
      'FILE_PATH_CONFLICT',
      'template db-password/x: file path "db-password" (object 0) is also a directory in "db-password/x"',
    ],
    [
      entry('fileName: history\ntemplate: x'),
      'FILE_PATH_CONFLICT',
      'template history: file path "history" is also a directory of object 1',
    ],
    [
      entry('fileName: history/1\ntemplate: x'),
      'DUPLICATE_FILE_PATH',
      'template history/1: duplicate file path "history/1" (object 1 and template 0)',
    ],
    [
      `array:\n  - |\n    fileName: a\n    template: x\n  - |\n    fileName: a\n    template: y\n`,
      'DUPLICATE_FILE_PATH',
      'template a: duplicate file path "a" (template 0 and template 1)',
    ],
    ['array: [', 'INVALID_TEMPLATES_YAML', 'failed to yaml unmarshal templates, error: yaml: line 1:'],
    [
      'array:\n  - a: b\n',
      'INVALID_TEMPLATES_YAML',
      'failed to yaml unmarshal templates, error: yaml: unmarshal errors:\n  line 2: cannot unmarshal !!map into string',
    ],
    [
      'array:\n  - "fileName: [a"\n',
      'INVALID_TEMPLATE_YAML',
      'failed to yaml unmarshal template at index 0, error: yaml: line 1:',
    ],
    [
      `array:\n  - |\n    fileName: a\n    template: ${'x'.repeat(70_000)}\n`,
      'TEMPLATE_TOO_LARGE',
      'template at index 0: entry is',
    ],
  ])('configuration error %#: %s', (templates, code, message) => {
    const objects =
      'array:\n  - |\n    objectName: db-password\n    objectType: secret\n  - |\n    objectName: history\n    objectType: secret\n    objectVersionHistory: 3\n';
    const error = failure({ objects, templates });
    expect(error.code).toBe(code);
    expect(error.message.startsWith(message), error.message).toBe(true);
  });

  it('with --write-cert-and-key-in-separate-files a template may not take a split file name', () => {
    const templates = entry('fileName: db-password.crt\ntemplate: x');
    expect(plan({ templates }).templates).toHaveLength(1);
    const error = failure({ templates }, { options: { writeCertAndKeyInSeparateFiles: true } });
    expect(error.message).toBe(
      'template db-password.crt: duplicate file path "db-password.crt" (object 0 and template 0)',
    );
  });

  // The per-object extensions' files (extensions.md §3, §5) are claimed like main files.
  const EXTENDED = `array:
  - |
    objectName: db
    objectType: secret
    metadata: "true"
    jmesPath:
      - path: username
        objectAlias: conf/db-user
  - |
    objectName: app-*
    objectType: secret
`;

  it.each([
    [
      'conf/db-user',
      'DUPLICATE_FILE_PATH',
      'template conf/db-user: duplicate file path "conf/db-user" (object 0 and template 0)',
    ],
    [
      'db.metadata.json',
      'DUPLICATE_FILE_PATH',
      'template db.metadata.json: duplicate file path "db.metadata.json" (object 0 and template 0)',
    ],
    [
      'conf/db-user/x',
      'FILE_PATH_CONFLICT',
      'template conf/db-user/x: file path "conf/db-user" (object 0) is also a directory in "conf/db-user/x"',
    ],
    ['conf', 'FILE_PATH_CONFLICT', 'template conf: file path "conf" is also a directory of object 0'],
  ])(
    'a template may not take the jmesPath file or metadata sidecar of an object: %s',
    (fileName, code, message) => {
      const error = failure({ objects: EXTENDED, templates: entry(`fileName: ${fileName}\ntemplate: x`) });
      expect([error.code, error.message]).toEqual([code, message]);
    },
  );

  it('a wildcard object claims no name at parse time (its matches are checked when rendering)', () => {
    const parsed = plan({ objects: EXTENDED, templates: entry('fileName: app-one\ntemplate: x') });
    expect(parsed.templates?.map((t) => t.fileName)).toEqual(['app-one']);
  });

  it('complete(objects, templates) takes the templates from the caller (a cache), after step 16', () => {
    const request = (attributes: Record<string, string>) => ({
      attributes: JSON.stringify({ ...BASE_ATTRIBUTES, objects: EXTENDED, ...attributes }),
      secrets: 'null',
      permission: '420',
    });
    const pending = beginMountRequest(request({ templates: entry('fileName: db-user\ntemplate: x') }));
    expect(pending.templatesText).toBe(entry('fileName: db-user\ntemplate: x').trim());
    const objects = objectsOfOutcome(parseObjectsOutcome(pending.objectsText, pending.defaultFileMode));
    const seen: number[] = [];
    const built = pending.complete(objects, (validated) => {
      seen.push(validated.length);
      return templatesOfOutcome(
        parseTemplatesOutcome(pending.templatesText, pending.defaultFileMode, validated),
      );
    });
    expect(seen).toEqual([2]);
    expect(built.templates?.map((t) => t.fileName)).toEqual(['db-user']);

    // A bad vault name (step 16) is reported without parsing the templates.
    const bad = beginMountRequest(request({ keyvaultName: 'kv_bad!', templates: 'array: [' }));
    let called = false;
    expect(() =>
      bad.complete(objects, () => {
        called = true;
        return [];
      }),
    ).toThrow(SpcError);
    expect(called).toBe(false);

    // Without templates the callback is not needed and the plan has none.
    const none = beginMountRequest(request({}));
    expect(none.templatesText).toBe('');
    expect(none.complete(objects, () => expect.unreachable()).templates).toEqual([]);
  });

  it('parseTemplatesOutcome never throws: a failure is data a cache can keep', () => {
    const outcome = parseTemplatesOutcome(entry('fileName: db\ntemplate: "{{x}}"'), 0o644, []);
    expect(outcome).toMatchObject({ ok: false, code: 'INVALID_TEMPLATE' });
    expect(() => templatesOfOutcome(outcome)).toThrow(/^template db: unknown name "x"/);
  });

  it('an unknown key is ignored by a mount (lint warns)', () => {
    expect(plan({ templates: entry('fileName: a\ntemplate: x\nfilemode: "0600"') }).templates).toHaveLength(
      1,
    );
  });

  it('reference errors come first: a bad vault name is reported before a bad template', () => {
    expect(failure({ keyvaultName: 'kv_bad!', templates: entry('fileName: a') }).code).toBe(
      'INVALID_VAULT_NAME',
    );
  });

  it('templates larger than the limit are refused before any YAML parse', () => {
    const error = failure({ templates: `array:\n${'  - x\n'.repeat(60_000)}` });
    expect(error.code).toBe('TEMPLATES_TOO_LARGE');
  });
});

const MANIFEST = (templates: string): string => `apiVersion: secrets-store.csi.x-k8s.io/v1
kind: SecretProviderClass
metadata:
  name: shop
spec:
  provider: azure
  parameters:
    keyvaultName: kv-shop
    tenantId: tid
    objects: |
      array:
        - |
          objectName: db
          objectType: secret
        - |
          objectName: db-password
          objectType: secret
    templates: |
${templates
  .split('\n')
  .map((line) => (line === '' ? line : `      ${line}`))
  .join('\n')}`;

function findings(templates: string): string[] {
  return lintSecretProviderClass(MANIFEST(templates)).map(
    (d) => `${d.line}:${d.column} ${d.severity} ${d.code} ${d.message}`,
  );
}

describe('lint: templates', () => {
  it('a valid class has no findings', () => {
    expect(
      findings(
        'array:\n  - |\n    fileName: db.url\n    template: |\n      {{json "db" "user"}}:{{file "db-password"}}\n',
      ),
    ).toEqual([]);
  });

  it('literal paths that no object mounts, at their line:col inside the templates block', () => {
    const manifest = [
      'array:',
      '  - |',
      '    fileName: db.url',
      '    template: |',
      '      user={{json "db" "user"}}',
      '      pass={{file "db-pasword"}}',
      '      {{#if (exists "flag")}}x{{/if}}{{file "db-password.crt"}}',
      '',
    ].join('\n');
    expect(findings(manifest)).toEqual([
      '24:25 error TEMPLATE_PATH_NOT_MOUNTED template db.url: file "db-pasword" does not match any mounted object file; did you mean "db-password"?',
      '25:27 warning TEMPLATE_PATH_NOT_MOUNTED template db.url: exists "flag" is always false: no object of this class mounts that file',
      '25:51 warning TEMPLATE_SPLIT_FILE template db.url: file "db-password.crt" exists only when the provider runs with --write-cert-and-key-in-separate-files',
    ]);
  });

  it('jmesPath files, metadata sidecars and names a wildcard may match count as mounted', () => {
    const manifest = `apiVersion: secrets-store.csi.x-k8s.io/v1
kind: SecretProviderClass
metadata:
  name: shop
spec:
  provider: azure
  parameters:
    keyvaultName: kv-shop
    tenantId: tid
    objects: |
      array:
        - |
          objectName: db
          objectType: secret
          metadata: "true"
          jmesPath:
            - path: username
              objectAlias: db-user
        - |
          objectName: app-*
          objectType: secret
    templates: |
      array:
        - |
          fileName: out
          template: '{{file "db-user"}} {{file "db.metadata.json"}} {{file "app-one"}} {{file "app-one.metadata.json"}} {{file "other"}}'
`;
    expect(lintSecretProviderClass(manifest).map((d) => `${d.severity} ${d.code} ${d.message}`)).toEqual([
      'error TEMPLATE_PATH_NOT_MOUNTED template out: file "other" does not match any mounted object file',
    ]);
  });

  it('compile errors at their line:col inside the template', () => {
    const manifest = 'array:\n  - |\n    fileName: a\n    template: |\n      ok\n      {{password}}\n';
    expect(findings(manifest)).toEqual([
      '24:15 error INVALID_TEMPLATE template a: unknown name "password": a template has no variables; read files with {{file "<path>"}} (line 2, column 3)',
    ]);
  });

  it('every problem of every entry, with unknown keys as warnings', () => {
    const manifest = [
      'array:',
      '  - |',
      '    fileName: db',
      '    template: x',
      '  - |',
      '    fileNme: b',
      '    template: "{{log 1}}"',
      '',
    ].join('\n');
    expect(findings(manifest)).toEqual([
      '21:21 error DUPLICATE_FILE_PATH template db: duplicate file path "db" (object 0 and template 0)',
      '23:11 error TEMPLATE_FILE_NAME_MISSING template at index 1: fileName is not set',
      '24:11 warning UNKNOWN_TEMPLATE_FIELD unknown field "fileNme" in template 1 is ignored; did you mean "fileName"?',
      '25:24 error INVALID_TEMPLATE template at index 1: unknown helper "log" (line 1, column 3)',
    ]);
  });
});
