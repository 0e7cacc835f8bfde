import { renderTemplates, TemplateCache } from '@keyvault-csi/templates';
import { describe, expect, it } from 'vitest';
import { failure, plan } from '../test/request.js';
import { lintSecretProviderClass } from './index.js';

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
