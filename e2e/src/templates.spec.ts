import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { status } from '@grpc/grpc-js';
import {
  chartDaemonRuntime,
  ProviderStack,
  readExamplePod,
  readSecretProviderClass,
  readVisibleFiles,
} from '@keyvault-csi/demo';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mount, newPod, objectsYaml, podIdentityParameters } from './support/mount.js';

// extensions.md §8 through the built daemon, run as the Helm chart runs it (its Node flags, 64 MiB
// heap, and environment), against the fake NMI and the Key Vault emulator.

const root = path.resolve(import.meta.dirname, '../..');
const PREFIX = 'failed to mount objects, error: ';

let stack: ProviderStack;
/** Every value the vaults served: none may reach the daemon's output or an error. */
const secretValues: string[] = [];
/** Set once a render failure was answered: its log line must carry the stable code. */
let renderFailed = false;

beforeAll(async () => {
  const chart = chartDaemonRuntime();
  stack = await ProviderStack.start({ nodeOptions: chart.nodeOptions, daemonEnv: chart.env });
});

afterAll(async () => {
  const exit = await stack?.daemon.stop();
  const output = stack?.daemon.output ?? '';
  await stack?.stop();
  for (const value of secretValues) expect(output).not.toContain(value);
  if (renderFailed) expect(output).toContain('"errorCode":"TEMPLATE_FILE_NOT_FOUND"');
  expect(exit?.code).toBe(0);
});

/** A vault and a pod bound to an identity that can read it. */
function newVault(): { name: string; pod: ReturnType<typeof newPod> } {
  const name = `kv${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const clientId = randomUUID();
  const pod = newPod(`pod-${name}`, 'e2e');
  stack.nmi.bind(pod.namespace, pod.name, clientId);
  stack.keyVault.addVault(name).grant(clientId, { secrets: ['get', 'list'] });
  return { name, pod };
}

function secret(vault: string, name: string, value: string): string {
  secretValues.push(value);
  return stack.keyVault.vault(vault).setSecret(name, value).version;
}

/** The `templates` parameter for entries of `fileName`, `template` and optional `filePermission`. */
function templatesYaml(
  entries: readonly { fileName: string; template: string; filePermission?: string }[],
): string {
  const items = entries.map((e) => {
    const lines = [`fileName: ${JSON.stringify(e.fileName)}`, `template: ${JSON.stringify(e.template)}`];
    if (e.filePermission) lines.push(`filePermission: ${JSON.stringify(e.filePermission)}`);
    return `  - |\n${lines.map((l) => `    ${l}`).join('\n')}\n`;
  });
  return `array:\n${items.join('')}`;
}

const OBJECTS = [
  { objectName: 'db', objectType: 'secret' },
  { objectName: 'db-password', objectType: 'secret' },
];

function withDb(): { name: string; pod: ReturnType<typeof newPod>; password: string } {
  const vault = newVault();
  const password = `pw-${randomUUID()}`;
  secret(vault.name, 'db', JSON.stringify({ username: 'app', host: 'db.internal', port: 5432 }));
  secret(vault.name, 'db-password', password);
  return { ...vault, password };
}

describe('the templates example (examples/templates)', () => {
  it('mounts the objects and the rendered files, with their modes, and no ObjectVersion for templates', async () => {
    const spc = readSecretProviderClass(path.join(root, 'examples/templates/secretproviderclass.yaml'));
    const pod = readExamplePod(path.join(root, 'examples/templates/pod.yaml'));
    const { name } = newVault();
    const clientId = randomUUID();
    stack.nmi.bind(pod.namespace, pod.name, clientId);
    stack.keyVault.vault(name).grant(clientId, { secrets: ['get'] });
    const password = `pw-${randomUUID()}`;
    const apiKey = `key-${randomUUID()}`;
    const versions = [
      secret(name, 'db', JSON.stringify({ username: 'app', host: 'db.internal' })),
      secret(name, 'db-password', password),
      secret(name, 'api-key', `  ${apiKey}\n`),
    ];

    const outcome = await mount(
      stack,
      { ...spc.spec.parameters, keyvaultName: name },
      { ...pod, uid: randomUUID() },
    );

    expect(outcome.message).toBeUndefined();
    const files = readVisibleFiles(outcome.targetPath);
    expect(files['conf/db.url']).toBe(`postgres://app:${password}@db.internal:5432/app`);
    // `template: |` keeps its final newline.
    expect(files['app.env']).toBe(`API_KEY=${apiKey}\nDB_HOST=db.internal\n`);
    expect(outcome.files.map((f) => [f.path, f.mode.toString(8)])).toEqual([
      ['db', '644'],
      ['db-password', '644'],
      ['api-key', '644'],
      ['conf/db.url', '600'],
      ['app.env', '644'],
    ]);
    expect([...outcome.objectVersions]).toEqual([
      ['secret/db', versions[0]],
      ['secret/db-password', versions[1]],
      ['secret/api-key', versions[2]],
    ]);

    // The optional feature-flag, once it exists, adds its line (a rotation would pick it up too).
    const flagVersion = secret(name, 'feature-flag', ' on\n');
    const again = await mount(
      stack,
      { ...spc.spec.parameters, keyvaultName: name },
      { ...pod, uid: randomUUID() },
      { targetPath: outcome.targetPath },
    );
    expect(again.message).toBeUndefined();
    expect(readVisibleFiles(outcome.targetPath)['app.env']).toBe(
      `API_KEY=${apiKey}\nDB_HOST=db.internal\nFLAG=on\n`,
    );
    expect(again.objectVersions.get('secret/feature-flag')).toBe(flagVersion);
  });
});

describe('rendering (through the built daemon)', () => {
  it('exists: the file only when the mount returns it; a template never reads another template', async () => {
    const { name, pod, password } = withDb();
    const templates = templatesYaml([
      {
        fileName: 'first',
        template: '{{#if (exists "db-password")}}yes{{/if}}{{#if (exists "flag")}}flag{{/if}}',
      },
      { fileName: 'second', template: '{{#unless (exists "first")}}first is not visible{{/unless}}' },
      { fileName: 'raw', template: '{{base64 (file "db-password")}}|{{json "db" "port"}}|{{json "db" "@"}}' },
    ]);
    const outcome = await mount(stack, podIdentityParameters(name, OBJECTS, { templates }), pod);
    expect(outcome.message).toBeUndefined();
    const files = readVisibleFiles(outcome.targetPath);
    expect(files['first']).toBe('yes');
    expect(files['second']).toBe('first is not visible');
    expect(files['raw']).toBe(
      `${Buffer.from(password).toString('base64')}|5432|{"username":"app","host":"db.internal","port":5432}`,
    );
  });

  it('a value containing {{ is written as is (one pass)', async () => {
    const { name, pod } = newVault();
    secret(name, 'tricky', '{{file "tricky"}} {{#each}}');
    const templates = templatesYaml([{ fileName: 'out', template: '<{{file "tricky"}}>' }]);
    const outcome = await mount(
      stack,
      podIdentityParameters(name, [{ objectName: 'tricky', objectType: 'secret' }], { templates }),
      pod,
    );
    expect(outcome.message).toBeUndefined();
    expect(readVisibleFiles(outcome.targetPath)['out']).toBe('<{{file "tricky"}} {{#each}}>');
  });

  it('filePermission of a template, else the request permission', async () => {
    const { name, pod } = withDb();
    const templates = templatesYaml([
      { fileName: 'a', template: 'a', filePermission: '0400' },
      { fileName: 'b', template: 'b' },
    ]);
    const outcome = await mount(stack, podIdentityParameters(name, OBJECTS, { templates }), pod);
    expect(outcome.files.filter((f) => f.path.length === 1).map((f) => [f.path, f.mode.toString(8)])).toEqual(
      [
        ['a', '400'],
        ['b', '644'],
      ],
    );
  });
});

describe('failures', () => {
  it.each([
    ['a syntax error', [{ fileName: 'x', template: '{{file "db"' }], 'template x: syntax error on line 1'],
    [
      'an unknown helper',
      [{ fileName: 'x', template: '{{env "HOME"}}' }],
      'template x: unknown helper "env" (line 1, column 3)',
    ],
    [
      'an unknown name',
      [{ fileName: 'x', template: '{{process.env.HOME}}' }],
      'template x: unknown name "process.env.HOME"',
    ],
    ['a missing fileName', [{ fileName: ' ', template: 'x' }], 'template at index 0: fileName is not set'],
    ['a missing template', [{ fileName: 'x', template: '' }], 'template x: template is not set'],
    [
      'a collision with an object file',
      [{ fileName: 'db', template: 'x' }],
      'template db: duplicate file path "db" (object 0 and template 0)',
    ],
    ['a partial', [{ fileName: 'x', template: '{{> creds}}' }], 'template x: partials are not supported'],
  ])('%s is INVALID_ARGUMENT before any network call', async (_, entries, message) => {
    // The pod has no identity in NMI: any network call would fail differently.
    const outcome = await mount(
      stack,
      podIdentityParameters('kvnever', OBJECTS, { templates: templatesYaml(entries) }),
      newPod(`unbound-${randomUUID().slice(0, 8)}`, 'e2e'),
    );
    expect(outcome.grpcCode).toBe(status.INVALID_ARGUMENT);
    expect(outcome.message).toContain(`${PREFIX}${message}`);
  });

  it('a render failure is FAILED_PRECONDITION naming the template and never a value; previous files stay', async () => {
    const { name, pod, password } = withDb();
    const good = templatesYaml([{ fileName: 'url', template: '{{file "db-password"}}' }]);
    const first = await mount(stack, podIdentityParameters(name, OBJECTS, { templates: good }), pod);
    expect(first.message).toBeUndefined();
    const before = readVisibleFiles(first.targetPath);

    for (const [template, cause] of [
      ['{{file "db-pasword"}}', 'file: file "db-pasword" is not a file of this mount'],
      ['{{json "db-password" "user"}}', 'json: file "db-password" is not valid JSON'],
      ['{{json "db" "user"}}', 'json: "user" matched nothing in file "db"'],
      ['{{file "/etc/passwd"}}', 'file: file "/etc/passwd" is not a file of this mount'],
      ['{{base64decode (file "db-password")}}', 'base64decode: the text is not base64'],
    ] as const) {
      const templates = templatesYaml([{ fileName: 'conf/url', template }]);
      const outcome = await mount(stack, podIdentityParameters(name, OBJECTS, { templates }), pod, {
        targetPath: first.targetPath,
      });
      expect(outcome.grpcCode, template).toBe(status.FAILED_PRECONDITION);
      expect(outcome.message).toBe(`${PREFIX}template conf/url: ${cause}`);
      expect(outcome.message).not.toContain(password);
      expect(readVisibleFiles(first.targetPath)).toEqual(before);
      renderFailed = true;
    }
  });

  it('rendered bytes are charged to the per-mount byte budget with the fetched ones: RESOURCE_EXHAUSTED naming the template', async () => {
    const { name, pod } = newVault();
    secret(name, 'big', 'x'.repeat(20_000));
    // 150 aliases of one 20 kB secret: 3,000,000 bytes fetched, under the 4 MiB (4,194,304) budget.
    const objects = Array.from({ length: 150 }, (_, i) => ({
      objectName: 'big',
      objectType: 'secret',
      objectAlias: `big-${i}`,
    }));
    // 1,400,000 rendered bytes: far under the budget alone, over what the fetched files left of it.
    const over = templatesYaml([{ fileName: 'conf/huge', template: '{{file "big-0"}}'.repeat(70) }]);
    const outcome = await mount(stack, podIdentityParameters(name, objects, { templates: over }), pod);
    expect(outcome.grpcCode, outcome.message).toBe(status.RESOURCE_EXHAUSTED);
    expect(outcome.message).toBe(
      `${PREFIX}template conf/huge: the mount's files exceed the per-mount budget of 4194304 bytes (4 MiB, --max-mount-bytes): 3000000 bytes fetched, the templates' output does not fit in the 1194304 bytes left`,
    );
    // 1,000,000 rendered bytes fit beside the 3,000,000 fetched; the daemon kept serving.
    const fits = templatesYaml([{ fileName: 'conf/ok', template: '{{file "big-0"}}'.repeat(50) }]);
    const next = await mount(stack, podIdentityParameters(name, objects, { templates: fits }), pod);
    expect(next.message).toBeUndefined();
    expect(readVisibleFiles(next.targetPath)['conf/ok']).toHaveLength(1_000_000);
  });

  it('a template output alone over the budget stops at the limit, far under the heap', async () => {
    const { name, pod } = newVault();
    secret(name, 'big', 'x'.repeat(20_000));
    const objects = [{ objectName: 'big', objectType: 'secret' }];
    // 300 × 20 kB = 6 MB requested: the render stops at what is left of 4 MiB.
    const templates = templatesYaml([{ fileName: 'huge', template: '{{file "big"}}'.repeat(300) }]);
    const outcome = await mount(stack, podIdentityParameters(name, objects, { templates }), pod);
    expect(outcome.grpcCode).toBe(status.RESOURCE_EXHAUSTED);
    expect(outcome.message).toBe(
      `${PREFIX}template huge: the mount's files exceed the per-mount budget of 4194304 bytes (4 MiB, --max-mount-bytes): 20000 bytes fetched, the templates' output does not fit in the 4174304 bytes left`,
    );
  });
});

describe('path claims of the per-object extensions (extensions.md §3, §5, §6)', () => {
  const EXTENDED = `array:
  - |
    objectName: db
    objectType: secret
    metadata: "true"
    jmesPath:
      - path: username
        objectAlias: conf/db-user
`;

  it.each([
    ['conf/db-user', 'template conf/db-user: duplicate file path "conf/db-user" (object 0 and template 0)'],
    [
      'db.metadata.json',
      'template db.metadata.json: duplicate file path "db.metadata.json" (object 0 and template 0)',
    ],
  ])(
    'a template named like a jmesPath file or metadata sidecar (%s) is INVALID_ARGUMENT before any network call',
    async (fileName, message) => {
      const outcome = await mount(
        stack,
        podIdentityParameters('kvnever', [], {
          objects: EXTENDED,
          templates: templatesYaml([{ fileName, template: 'x' }]),
        }),
        newPod(`unbound-${randomUUID().slice(0, 8)}`, 'e2e'),
      );
      expect(outcome.grpcCode).toBe(status.INVALID_ARGUMENT);
      expect(outcome.message).toBe(`${PREFIX}${message}`);
    },
  );

  it('templates read jmesPath files and sidecars; a wildcard match taking a template name fails at render', async () => {
    const { name, pod } = newVault();
    secret(name, 'db', JSON.stringify({ username: 'app' }));
    secret(name, 'app-one', 'one');
    const templates = templatesYaml([
      {
        fileName: 'summary',
        template:
          '{{file "conf/db-user"}} {{json "db.metadata.json" "contentType || \'none\'"}} {{file "app-one"}}',
      },
    ]);
    const withWildcard = `${EXTENDED}  - |
    objectName: "app-*"
    objectType: secret
`;
    const first = await mount(
      stack,
      podIdentityParameters(name, [], { objects: withWildcard, templates }),
      pod,
    );
    expect(first.message).toBeUndefined();
    expect(readVisibleFiles(first.targetPath)['summary']).toBe('app none one');

    // The vault now holds a secret whose name is the template's file: known only after listing.
    secret(name, 'app-summary', 'two');
    const clash = templatesYaml([{ fileName: 'app-summary', template: '{{file "app-one"}}' }]);
    const outcome = await mount(
      stack,
      podIdentityParameters(name, [], { objects: withWildcard, templates: clash }),
      pod,
      {
        targetPath: first.targetPath,
      },
    );
    expect(outcome.grpcCode).toBe(status.FAILED_PRECONDITION);
    expect(outcome.message).toBe(
      `${PREFIX}template app-summary: its file name is also a file the objects of this mount write`,
    );
    expect(readVisibleFiles(first.targetPath)['summary']).toBe('app none one');
  });
});

describe('lint (the built binary)', () => {
  function lint(file: string): { status: number | null; stdout: string } {
    const result = spawnSync(
      process.execPath,
      [path.join(root, 'apps/csi-driver/dist/main.js'), 'lint', file],
      {
        encoding: 'utf8',
      },
    );
    return { status: result.status, stdout: result.stdout };
  }

  it('the example has no findings', () => {
    const result = lint(path.join(root, 'examples/templates/secretproviderclass.yaml'));
    expect(result.stdout).toBe('');
    expect(result.status).toBe(0);
  });

  it('compile errors and unmounted literal paths at their line:col inside the templates block', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'e2e-lint-'));
    const file = path.join(dir, 'spc.yaml');
    writeFileSync(
      file,
      [
        'apiVersion: secrets-store.csi.x-k8s.io/v1',
        'kind: SecretProviderClass',
        'metadata:',
        '  name: t',
        'spec:',
        '  provider: azure',
        '  parameters:',
        '    keyvaultName: kvname',
        '    tenantId: tid',
        `    objects: ${JSON.stringify(objectsYaml(OBJECTS))}`,
        '    templates: |',
        '      array:',
        '        - |',
        '          fileName: a',
        '          template: |',
        '            {{file "db-pasword"}}',
        '        - |',
        '          fileName: b',
        '          template: \'{{lookup "x"}}\'',
        '',
      ].join('\n'),
    );
    const result = lint(file);
    expect(result.status).toBe(1);
    expect(result.stdout.split('\n').filter(Boolean)).toEqual([
      `${file}:16:20 error template a: file "db-pasword" does not match any mounted object file; did you mean "db-password"?`,
      `${file}:19:24 error template b: unknown helper "lookup" (line 1, column 3)`,
    ]);
  });
});
