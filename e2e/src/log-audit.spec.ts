// Log audit (issue 7 §5): a varied workload — secrets, keys, certificates with private keys,
// rotations and every kind of error — through daemons logging at the highest verbosity in JSON and
// in text, then ALL of their output, the gRPC error texts and /metrics are scanned for every secret
// value, private key and bearer token. The benchmark's written output is scanned too.
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { status } from '@grpc/grpc-js';
import { ProviderStack } from '@keyvault-csi/demo';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mount, newPod, podIdentityParameters } from './support/mount.js';
import { makeCertificateChain, makeRsaKey } from './support/openssl.js';

const root = path.resolve(import.meta.dirname, '../..');
const JWT = /eyJ[\w-]{4,}\.eyJ[\w-]{4,}\.[\w-]+/;
const PRIVATE_KEY = /PRIVATE KEY/;

let stacks: ProviderStack[] = [];
/** Every value that must never be printed: secret values, private key PEMs and their base64 bodies. */
const forbidden = new Set<string>();
const statusMessages: string[] = [];

function keep(value: string): string {
  forbidden.add(value);
  return value;
}

/** The base64 lines of a PEM body (a key leaked without its armour is still a leak). */
function pemBodyLines(pem: string): string[] {
  return pem.split('\n').filter((line) => line.length >= 40 && !line.startsWith('-----'));
}

beforeAll(async () => {
  stacks = await Promise.all([
    ProviderStack.start({ daemonArgs: ['--v=5'] }),
    ProviderStack.start({ daemonArgs: ['--v=5', '--log-format-json=false'] }),
  ]);
});

afterAll(async () => {
  await Promise.all(stacks.map((s) => s.stop()));
});

async function workload(stack: ProviderStack): Promise<void> {
  const vault = `kvaudit${randomUUID().replaceAll('-', '').slice(0, 8)}`;
  const clientId = randomUUID();
  const pod = newPod('audit', 'audit');
  stack.nmi.bind(pod.namespace, pod.name, clientId);
  const v = stack.keyVault.addVault(vault).grant(clientId, {
    secrets: ['get', 'list'],
    keys: ['get'],
    certificates: ['get'],
  });
  const chain = makeCertificateChain('audit');
  keep(chain.leafKeyPem);
  for (const line of pemBodyLines(chain.leafKeyPem)) keep(line);
  const pfx = chain.pfx(['leaf', 'intermediate', 'root']);
  keep(pfx.toString('base64').slice(0, 200));
  v.importCertificate('tls', { pfx });
  const rsa = makeRsaKey(chain.dir);
  for (const line of pemBodyLines(rsa.privatePem)) keep(line);
  v.setKey('signing', { pem: rsa.privatePem });
  v.setSecret('plain', keep(`audit-plain-${randomUUID()}`));
  const encoded = keep(Buffer.from(keep(`audit-decoded-${randomUUID()}`)).toString('base64'));
  v.setSecret('encoded', encoded);
  v.setSecret('bad-base64', keep(`not base64 at all ${randomUUID()} !!!`));
  v.setSecret('looks-like-a-token', keep(`eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIke${randomUUID()}`));
  for (let i = 0; i < 3; i++)
    v.setSecret('rotating', {
      value: keep(`audit-rotating-${i}-${randomUUID()}`),
      created: 1_700_000_000 + i,
    });

  const ok = podIdentityParameters(vault, [
    { objectName: 'plain', objectType: 'secret' },
    { objectName: 'encoded', objectType: 'secret', objectEncoding: 'base64' },
    { objectName: 'looks-like-a-token', objectType: 'secret' },
    { objectName: 'tls', objectType: 'secret' },
    { objectName: 'tls', objectType: 'secret', objectFormat: 'pfx', objectAlias: 'tls.pfx' },
    { objectName: 'tls', objectType: 'cert', objectAlias: 'tls.crt' },
    { objectName: 'tls', objectType: 'key', objectAlias: 'tls.key.pub' },
    { objectName: 'signing', objectType: 'key' },
    { objectName: 'rotating', objectType: 'secret', objectVersionHistory: 3 },
  ]);
  const first = await mount(stack, ok, pod);
  expect(first.message).toBeUndefined();
  // The private key really was served to the pod (so not finding it in the logs means something).
  expect(first.files.find((f) => f.path === 'tls')?.contents.toString()).toContain(chain.leafKeyPem);
  v.setSecret('plain', keep(`audit-plain-rotated-${randomUUID()}`));
  expect((await mount(stack, ok, pod, { targetPath: first.targetPath })).message).toBeUndefined();

  const failures: [Record<string, string>, ReturnType<typeof newPod>, number][] = [
    [
      podIdentityParameters(vault, [
        { objectName: 'bad-base64', objectType: 'secret', objectEncoding: 'base64' },
      ]),
      pod,
      status.FAILED_PRECONDITION,
    ],
    [
      podIdentityParameters(vault, [
        { objectName: 'bad-base64', objectType: 'secret', objectEncoding: 'hex' },
      ]),
      pod,
      status.FAILED_PRECONDITION,
    ],
    [podIdentityParameters(vault, [{ objectName: 'missing', objectType: 'secret' }]), pod, status.NOT_FOUND],
    [
      podIdentityParameters(vault, [{ objectName: 'plain', objectType: 'secret', objectAlias: '../escape' }]),
      pod,
      status.INVALID_ARGUMENT,
    ],
    [{ ...ok, usePodIdentity: 'maybe' }, pod, status.INVALID_ARGUMENT],
  ];
  const intruder = newPod('intruder', 'audit');
  stack.nmi.bind(intruder.namespace, intruder.name, randomUUID());
  failures.push([ok, intruder, status.PERMISSION_DENIED]);
  for (const [params, who, code] of failures) {
    const outcome = await mount(stack, params, who);
    expect(outcome.grpcCode, `${JSON.stringify(params.objects)} ${outcome.message}`).toBe(code);
    statusMessages.push(outcome.message ?? '');
  }
  const throttled = stack.keyVault.injectFault({
    vault,
    path: /\/secrets\/plain\//,
    times: 1,
    action: { type: 'throttle', retryAfterMs: 10 },
  });
  expect((await mount(stack, ok, pod)).message).toBeUndefined();
  expect(throttled.matched).toBe(1);
  stack.nmi.injectFaults({ times: 1, status: 404 });
  expect((await mount(stack, ok, { ...pod, uid: randomUUID() })).message).toBeUndefined();
}

function findings(text: string): string[] {
  const found: string[] = [];
  for (const value of forbidden)
    if (text.includes(value)) found.push(`a served value (${value.length} chars)`);
  if (JWT.test(text)) found.push('a JWT');
  if (PRIVATE_KEY.test(text)) found.push('a private key marker');
  if (/Bearer\s+[\w-]{20,}/.test(text)) found.push('a bearer token');
  return found;
}

describe('log audit', () => {
  it('no secret value, private key or token reaches daemon output, status messages or metrics', async () => {
    await Promise.all(stacks.map((s) => workload(s)));
    const metrics = await stacks[0]!.metrics();
    const exits = await Promise.all(stacks.map((s) => s.daemon.stop()));
    expect(exits.map((e) => e.code)).toEqual([0, 0]);
    const [json, text] = stacks.map((s) => s.daemon.output);
    // Verbose logging really ran (per-object traces), in both formats.
    expect(json!.split('\n').length).toBeGreaterThan(20);
    expect(text!.split('\n').length).toBeGreaterThan(20);
    expect(json).toMatch(/"level":/);
    expect(text).not.toMatch(/^\{"level":/m);
    expect(findings(json!)).toEqual([]);
    expect(findings(text!)).toEqual([]);
    expect(findings(statusMessages.join('\n'))).toEqual([]);
    expect(findings(metrics)).toEqual([]);
  });

  it('no private key or token in the benchmark output written to docs/', () => {
    const files = [
      ...(existsSync(path.join(root, 'docs/bench'))
        ? readdirSync(path.join(root, 'docs/bench')).map((f) => path.join(root, 'docs/bench', f))
        : []),
      path.join(root, 'docs/benchmarks.json'),
      path.join(root, 'docs/benchmarks.md'),
    ].filter((f) => existsSync(f));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const content = readFileSync(file, 'utf8');
      expect(JWT.test(content), file).toBe(false);
      expect(PRIVATE_KEY.test(content), file).toBe(false);
      expect(/(bench-(lat|burst|tp)|soak-value)-\d+-[0-9a-f]{24}/.test(content), file).toBe(false);
    }
  });
});
