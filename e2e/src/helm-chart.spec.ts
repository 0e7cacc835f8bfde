import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { daemonMainPath } from '@keyvault-csi/demo';
import {
  coalesceValues,
  type RenderOptions,
  renderChart,
  TemplateExecutionError,
  ValuesSchemaError,
} from '@keyvault-csi/helm-template';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';

/**
 * The chart as a user migrating from csi-secrets-store-provider-azure v1.8.2 meets it, without a
 * cluster or a helm binary: rendered by @keyvault-csi/helm-template and compared with facts about the
 * reference chart written down in e2e/fixtures/reference-chart/.
 */

const root = path.resolve(import.meta.dirname, '../..');
const chartDir = path.join(root, 'deploy/helm/keyvault-csi');
const fixtures = path.join(root, 'e2e/fixtures/reference-chart');
const run = promisify(execFile);

type Values = Record<string, unknown>;
// biome-ignore lint/suspicious/noExplicitAny: manifests are walked by their known Kubernetes shape in assertions
type Manifest = Record<string, any>;

interface ReferenceKey {
  readonly key: string;
  readonly default: unknown;
  readonly use: 'template' | 'subchart' | 'windows' | 'unsupported' | 'unused';
}
interface ReferenceFacts {
  readonly chart: {
    readonly kubeVersion: string;
    readonly dependency: Record<string, string>;
    readonly lockDigest: string;
  };
  readonly names: readonly {
    release: string;
    nameOverride?: string;
    fullnameOverride?: string;
    daemonSet: string;
    name: string;
  }[];
  readonly labels: Record<string, string>;
  readonly selector: Record<string, string>;
  readonly keys: readonly ReferenceKey[];
}

const reference = parse(readFileSync(path.join(fixtures, 'reference-chart.yaml'), 'utf8')) as ReferenceFacts;
const userValues = parse(readFileSync(path.join(fixtures, 'migrating-user-values.yaml'), 'utf8')) as Values;
const ourDefaults = parse(readFileSync(path.join(chartDir, 'values.yaml'), 'utf8')) as Values;
const templatesText = ['_helpers.tpl', 'daemonset.yaml', 'serviceaccount.yaml', 'unsupported.yaml']
  .map((f) => readFileSync(path.join(chartDir, 'templates', f), 'utf8'))
  .join('\n');
const migrationGuide = readFileSync(path.join(root, 'docs/migration.md'), 'utf8');

/** Defaults that are ours by necessity (the image is ours), each explained in docs/migration.md. */
const oursByNecessity = new Set(['linux.image.repository', 'linux.image.tag']);
/** Labels whose values name the chart's own version: they change on every upgrade, whichever chart. */
const versionLabels = ['app.kubernetes.io/version', 'helm.sh/chart'];

function get(values: unknown, key: string): unknown {
  const [head, ...rest] = splitKey(key);
  return rest.reduce<unknown>((v, k) => (v as Values | undefined)?.[k], (values as Values)[head!]);
}
/** `secrets-store-csi-driver.linux.image.tag` → the dependency's name stays one segment. */
function splitKey(key: string): string[] {
  const sub = 'secrets-store-csi-driver';
  return key.startsWith(`${sub}.`) ? [sub, ...key.slice(sub.length + 1).split('.')] : key.split('.');
}
function set(key: string, value: unknown): Values {
  const parts = splitKey(key);
  return parts.reduceRight<unknown>((inner, k) => ({ [k]: inner }), value) as Values;
}

function render(values: Values[] = [], options: Omit<RenderOptions, 'values'> = {}) {
  return renderChart(chartDir, { releaseName: 'corp', namespace: 'kube-system', ...options, values });
}
function daemonSetOf(documents: readonly { object: Manifest }[]): Manifest {
  const found = documents.find((d) => d.object.kind === 'DaemonSet');
  if (!found) throw new Error('no DaemonSet rendered');
  return found.object;
}
function withoutVersionLabels(labels: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).filter(([k]) => !versionLabels.includes(k)));
}
function containerOf(daemonSet: Manifest): Manifest {
  return daemonSet.spec.template.spec.containers[0];
}

describe('Helm chart: values of the reference chart', () => {
  it('has every reference key with the same default (the image excepted)', () => {
    for (const { key, default: expected } of reference.keys) {
      if (oursByNecessity.has(key)) {
        expect(get(ourDefaults, key), key).toEqual(expect.any(String));
        continue;
      }
      expect(get(ourDefaults, key), key).toEqual(expected);
    }
  });

  it('reads every key it honours in a template, and documents every key it does not', () => {
    for (const { key, use } of reference.keys) {
      if (use === 'template') {
        const linuxAlias = key.startsWith('linux.') ? `$linux.${key.slice('linux.'.length)}` : undefined;
        const read =
          templatesText.includes(`.Values.${key}`) || (linuxAlias && templatesText.includes(linuxAlias));
        expect(read, `no template reads ${key}`).toBeTruthy();
      }
      if (use === 'unsupported') expect(migrationGuide, key).toContain(`\`${key}\``);
    }
  });

  it('changes what it renders when any honoured key changes (no key silently ignored)', () => {
    const baseline = JSON.stringify(render().documents.map((d) => d.object));
    for (const { key, default: value, use } of reference.keys) {
      if (use !== 'template') continue;
      const changed =
        typeof value === 'boolean'
          ? !value
          : typeof value === 'number'
            ? value + 1
            : typeof value === 'string'
              ? key.endsWith('pullPolicy')
                ? 'Never'
                : key.endsWith('dnsPolicy')
                  ? 'None'
                  : `${value}x`.replace(/^x$/, 'probe')
              : Array.isArray(value)
                ? [...value, { name: 'probe' }]
                : { ...(value as Values), probe: 'probe' };
      let rendered: string;
      try {
        rendered = JSON.stringify(render([set(key, changed)]).documents.map((d) => d.object));
      } catch (error) {
        rendered = String(error);
      }
      expect(rendered, `${key}: ${JSON.stringify(changed)} rendered like the default`).not.toBe(baseline);
    }
  });

  it('passes the secrets-store-csi-driver values through, with both token audiences', () => {
    const { values } = render([userValues]);
    const driver = get(values, 'secrets-store-csi-driver') as Values;
    const referenceDriverDefaults = reference.keys
      .filter((k) => k.use === 'subchart')
      .reduce<Values>((acc, k) => coalesceValues(acc, set(k.key, k.default)), {})[
      'secrets-store-csi-driver'
    ] as Values;
    expect(driver).toEqual(
      coalesceValues(referenceDriverDefaults, userValues['secrets-store-csi-driver'] as Values),
    );
    expect(driver.tokenRequests).toEqual([
      { audience: 'api://AzureADTokenExchange' },
      { audience: 'api://AKSIdentityBinding' },
    ]);
    expect(driver).toMatchObject({ install: true, enableSecretRotation: true, rotationPollInterval: '30s' });
  });

  it('depends on the same driver chart, version and condition, with a lock file helm accepts', () => {
    const chart = parse(readFileSync(path.join(chartDir, 'Chart.yaml'), 'utf8'));
    expect(chart.dependencies).toEqual([reference.chart.dependency]);
    expect(chart.kubeVersion).toBe(reference.chart.kubeVersion);
    const lock = parse(readFileSync(path.join(chartDir, 'Chart.lock'), 'utf8'));
    const { name, version, repository, condition } = reference.chart.dependency;
    expect(lock.dependencies).toEqual([{ name, repository, version }]);
    // helm dependency build refuses a lock whose digest is not sha256 of JSON [requirements, lock].
    const hashed = JSON.stringify([
      [{ name, version, repository, condition }],
      [{ name, version, repository }],
    ]);
    expect(lock.digest).toBe(`sha256:${createHash('sha256').update(hashed).digest('hex')}`);
    expect(lock.digest).toBe(reference.chart.lockDigest);
  });
});

describe('Helm chart: names, labels and a migrating user’s values file', () => {
  it.each(reference.names)('names the DaemonSet $daemonSet for release $release', (c) => {
    const overrides: Values = {};
    if (c.nameOverride) overrides.nameOverride = c.nameOverride;
    if (c.fullnameOverride) overrides.fullnameOverride = c.fullnameOverride;
    const daemonSet = daemonSetOf(render([overrides], { releaseName: c.release }).documents);
    expect(daemonSet.metadata.name).toBe(c.daemonSet);
    expect(daemonSet.metadata.labels.app).toBe(c.name);
    expect(daemonSet.metadata.labels['app.kubernetes.io/name']).toBe(c.name);
    expect(daemonSet.spec.selector.matchLabels).toEqual({ app: c.name });
  });

  it('renders the reference’s DaemonSet and ServiceAccount for a reference values file', () => {
    const expected = parseAllDocuments(
      readFileSync(path.join(fixtures, 'migrating-user-expected.yaml'), 'utf8'),
    ).map((d) => d.toJS() as Manifest);
    const ours = render([userValues]).documents.map((d) => structuredClone(d.object) as Manifest);
    const expectedDaemonSet = daemonSetOf(expected.map((object) => ({ object })));
    const ourDaemonSet = daemonSetOf(ours.map((object) => ({ object })));

    // Labels: the same, but for the two that carry the chart's own version.
    const labels = withoutVersionLabels(reference.labels);
    for (const manifest of [ourDaemonSet.metadata, ourDaemonSet.spec.template.metadata]) {
      expect(manifest.labels).toMatchObject(labels);
    }
    expect(ourDaemonSet.spec.selector.matchLabels).toEqual(reference.selector);

    // Ours by design: how the image starts Node (command, env) and the --nmi-endpoint flag.
    const ourContainer = containerOf(ourDaemonSet);
    expect(ourContainer.command[0]).toBe('node');
    expect(ourContainer.args).toContain('--nmi-endpoint=http://127.0.0.1:2579');
    delete ourContainer.command;
    delete ourContainer.env;
    ourContainer.args = ourContainer.args.filter((a: string) => !a.startsWith('--nmi-endpoint='));

    const strip = (m: Manifest) => {
      for (const meta of [m.metadata, m.spec?.template?.metadata].filter(Boolean)) {
        meta.labels = withoutVersionLabels(meta.labels);
      }
      return m;
    };
    expect(strip(ourDaemonSet)).toEqual(strip(expectedDaemonSet));
    const serviceAccount = (list: Manifest[]) => strip(list.find((m) => m.kind === 'ServiceAccount')!);
    expect(serviceAccount(ours)).toEqual(serviceAccount(expected));
  });

  it('passes constructPEMChain=false as no flag, as the reference does (the binary default wins)', () => {
    const args = containerOf(daemonSetOf(render([{ constructPEMChain: false }]).documents)).args as string[];
    expect(args.some((a) => a.startsWith('--construct-pem-chain'))).toBe(false);
  });

  it('passes the identity-binding flags when set', () => {
    const args = containerOf(
      daemonSetOf(
        render([{ linux: { tokenProxyURL: 'https://proxy.example:8443', sniName: 'kube.example' } }])
          .documents,
      ),
    ).args as string[];
    expect(args).toEqual(
      expect.arrayContaining(['--token-proxy-url=https://proxy.example:8443', '--sni-name=kube.example']),
    );
  });

  it('passes only flags the binary accepts', async () => {
    for (const values of [[], [userValues], [{ linux: { tokenProxyURL: 'https://p:1', sniName: 's' } }]]) {
      const args = containerOf(daemonSetOf(render(values).documents)).args as string[];
      const { stdout } = await run(process.execPath, [daemonMainPath(), ...args, '--version']);
      expect(JSON.parse(stdout)).toMatchObject({ version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    }
  });
});

describe('Helm chart: what it refuses', () => {
  it('rejects misspelled keys by name', () => {
    expect(() => render([{ imagePullSecret: [{ name: 'x' }] }])).toThrow(ValuesSchemaError);
    expect(() => render([{ imagePullSecret: [] }])).toThrow(
      /Additional property imagePullSecret is not allowed/,
    );
    expect(() => render([{ linux: { podLabel: { a: 'b' } } }])).toThrow(
      /linux: Additional property podLabel/,
    );
    expect(() => render([{ logVerbosity: 'high' }])).toThrow(/logVerbosity: Invalid type/);
  });

  it('fails on windows.enabled with the reason (AF_UNIX vs named pipes) and what to do', () => {
    expect(() => render([{ windows: { enabled: true } }])).toThrow(TemplateExecutionError);
    expect(() => render([{ windows: { enabled: true } }])).toThrow(
      /windows\.enabled.*Node\.js cannot listen on an AF_UNIX socket on Windows \(libuv uses named pipes\).*Keep the Go provider/,
    );
  });

  it('fails on the Arc extension, and on PodSecurityPolicy only where the cluster still serves it', () => {
    expect(() => render([{ enableArcExtension: true }])).toThrow(/enableArcExtension.*not support/);
    expect(() => render([{ rbac: { pspEnabled: true } }])).not.toThrow();
    expect(() =>
      render([{ rbac: { pspEnabled: true } }], { apiVersions: ['policy/v1beta1/PodSecurityPolicy'] }),
    ).toThrow(/rbac\.pspEnabled/);
  });
});

describe('deploy/kubernetes', () => {
  it('is the chart’s default rendering (release csi-secrets-store-provider-azure, kube-system) without Helm’s labels', () => {
    const plain = parseAllDocuments(
      readFileSync(path.join(root, 'deploy/kubernetes/provider-azure-installer.yaml'), 'utf8'),
    ).map((d) => d.toJS() as Manifest);
    const rendered = render([], { releaseName: 'csi-secrets-store-provider-azure' }).documents.map(
      (d) => structuredClone(d.object) as Manifest,
    );
    for (const manifest of rendered) {
      for (const meta of [manifest.metadata, manifest.spec?.template?.metadata].filter(Boolean)) {
        meta.labels = { app: meta.labels.app };
      }
    }
    const byKind = (list: Manifest[]) => Object.fromEntries(list.map((m) => [m.kind, m]));
    const plainByKind = byKind(plain);
    delete plainByKind.ServiceAccount?.metadata.labels;
    const renderedByKind = byKind(rendered);
    delete renderedByKind.ServiceAccount?.metadata.labels;
    expect(plainByKind).toEqual(renderedByKind);
  });
});
