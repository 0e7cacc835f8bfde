// Fuzzing the running daemon (issue 7 §3, issue 12): thousands of random and malformed Mount
// requests straight over gRPC, eight in flight at all times, against the built daemon run as the
// Helm chart runs it. Every request must be answered by the daemon before its own deadline (a
// status, never UNAVAILABLE, never the client giving up), the process never dies, its memory stays
// bounded, returned paths never leave the target, and valid mounts among the garbage still succeed.
// Seeds: a fixed set, plus one random seed per run, printed; FUZZ_SEED=<n> replays one.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Metadata, type ServiceError, status } from '@grpc/grpc-js';
import type { MountResponse } from '@keyvault-csi/csi-driver/proto';
import { chartDaemonRuntime, ProviderStack } from '@keyvault-csi/demo';
import { driverAttributes } from '@keyvault-csi/fake-csi-driver';
import { marshalGoStringMap } from '@keyvault-csi/spc';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newPod, objectsYaml } from './support/mount.js';

const PREFIX = 'failed to mount objects, error: ';
/**
 * Client deadline per fuzz call: the daemon's own budget is this minus 5 s, so it always answers
 * first, and a fuzzed pod NMI does not know is given up on after 0.6 s of retries.
 */
const CALL_TIMEOUT_MS = 5600;
/** Requests in flight at once, as parallel pod starts on a node arrive. */
const CONCURRENCY = 8;
/** Seeds every run uses; one random seed is added per run. */
const FIXED_SEEDS = [1, 20_240_601, 1_234_567_891];
const REQUESTS_PER_SEED = 400;
/** One request in this many is a valid mount that must succeed. */
const VALID_EVERY = 40;
const MOUNT_PATH = '/v1alpha1.CSIDriverProvider/Mount';

let stack: ProviderStack;
const vault = `kvfuzz${randomUUID().replaceAll('-', '').slice(0, 8)}`;
const pod = newPod('fuzz-pod', 'fuzz');
const secrets = { alpha: `fuzz-alpha-${randomUUID()}`, beta: `fuzz-beta-${randomUUID()}` };
let requests = 0;
let validMounts = 0;
const codes = new Map<number, number>();

beforeAll(async () => {
  // The heap caps the Helm chart sets: the daemon as deployed.
  stack = await ProviderStack.start({
    metrics: false,
    nodeOptions: chartDaemonRuntime().nodeOptions,
    daemonEnv: chartDaemonRuntime().env,
  });
  const clientId = randomUUID();
  stack.nmi.bind(pod.namespace, pod.name, clientId);
  const v = stack.keyVault.addVault(vault).grant(clientId, { secrets: ['get', 'list'] });
  for (const [name, value] of Object.entries(secrets)) v.setSecret(name, value);
});

afterAll(async () => {
  const exit = await stack?.daemon.stop();
  const output = stack?.daemon.output ?? '';
  await stack?.stop();
  for (const value of Object.values(secrets)) expect(output).not.toContain(value);
  expect(exit?.code).toBe(0);
});

interface Answer {
  readonly code: number;
  readonly details: string;
  readonly response?: MountResponse;
  /** Milliseconds from sending to the answer. */
  readonly elapsedMs?: number;
  /** The call's own deadline, in milliseconds after sending. */
  readonly timeoutMs?: number;
}

function record(answer: Answer): Answer {
  requests++;
  codes.set(answer.code, (codes.get(answer.code) ?? 0) + 1);
  return answer;
}

/** Mount through the generated client (protobuf-encoded by ts-proto). */
function mountRaw(
  request: { attributes: string; secrets: string; permission: string; targetPath: string },
  timeoutMs = CALL_TIMEOUT_MS,
) {
  const sent = performance.now();
  return new Promise<Answer>((resolve) => {
    stack.client.mount(
      { ...request, currentObjectVersion: [] },
      new Metadata({ waitForReady: true }),
      { deadline: Date.now() + timeoutMs },
      (error: ServiceError | null, response?: MountResponse) => {
        const timing = { elapsedMs: performance.now() - sent, timeoutMs };
        resolve(
          record(
            error
              ? { code: error.code, details: error.details, ...timing }
              : { code: status.OK, details: '', ...(response ? { response } : {}), ...timing },
          ),
        );
      },
    );
  });
}

/** Mount with arbitrary bytes as the request message (malformed protobuf, invalid UTF-8). */
function mountBytes(bytes: Uint8Array) {
  const sent = performance.now();
  return new Promise<Answer>((resolve) => {
    stack.client.makeUnaryRequest<Buffer, Buffer>(
      MOUNT_PATH,
      (b) => b,
      (b) => b,
      Buffer.from(bytes),
      new Metadata({ waitForReady: true }),
      { deadline: Date.now() + CALL_TIMEOUT_MS },
      (error) => {
        const timing = { elapsedMs: performance.now() - sent, timeoutMs: CALL_TIMEOUT_MS };
        resolve(
          record(
            error
              ? { code: error.code, details: error.details, ...timing }
              : { code: status.OK, details: '', ...timing },
          ),
        );
      },
    );
  });
}

/** The daemon's answer, not a transport failure or our own deadline. */
function expectDaemonStatus(answer: Answer): void {
  expect(answer.code, answer.details).not.toBe(status.UNAVAILABLE);
  // Answered before its own deadline: not "no crash" but "nobody left waiting".
  if (answer.elapsedMs !== undefined && answer.timeoutMs !== undefined) {
    expect(answer.elapsedMs, `answered after ${Math.round(answer.elapsedMs)} ms`).toBeLessThan(
      answer.timeoutMs,
    );
  }
  if (answer.code === status.DEADLINE_EXCEEDED) expect(answer.details).toMatch(new RegExp(`^${PREFIX}`));
  expect(answer.details.length).toBeLessThanOrEqual(4096);
  expect(answer.details).not.toMatch(
    /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/,
  );
  for (const value of Object.values(secrets)) expect(answer.details).not.toContain(value);
  for (const file of answer.response?.files ?? []) {
    expect(path.isAbsolute(file.path), file.path).toBe(false);
    expect(path.posix.normalize(file.path), file.path).toBe(file.path);
    expect(file.path.split('/'), file.path).not.toContain('..');
    expect(file.path.startsWith('..'), file.path).toBe(false);
  }
}

const validAttributes = () =>
  driverAttributes(
    {
      usePodIdentity: 'true',
      keyvaultName: vault,
      tenantId: 'tid',
      objects: objectsYaml([
        { objectName: 'alpha', objectType: 'secret' },
        { objectName: 'beta', objectType: 'secret', objectAlias: 'dir/beta' },
      ]),
    },
    { ...pod, serviceAccountName: 'default' },
  );

/** A valid mount must still work between the garbage (within its deadline, 30 s unless given). */
async function expectValidMount(timeoutMs = 30_000): Promise<void> {
  const answer = await mountRaw(
    { attributes: validAttributes(), secrets: 'null', permission: '420', targetPath: '/fuzz' },
    timeoutMs,
  );
  expectDaemonStatus(answer);
  expect(answer.details).toBe('');
  const files = Object.fromEntries(
    (answer.response?.files ?? []).map((f) => [f.path, Buffer.from(f.contents).toString()]),
  );
  expect(files).toEqual({ alpha: secrets.alpha, 'dir/beta': secrets.beta });
  validMounts++;
}

/** Mount attributes with one huge value each: vault name, object name, alias (+ lone surrogate), bad JSON. */
function hugeAttributes(size: number): string[] {
  const huge = 'x'.repeat(size);
  return [
    driverAttributes({ usePodIdentity: 'true', keyvaultName: huge, tenantId: 'tid', objects: 'array:' }, pod),
    driverAttributes(
      {
        usePodIdentity: 'true',
        keyvaultName: vault,
        tenantId: 'tid',
        objects: objectsYaml([{ objectName: huge.slice(0, size / 2), objectType: 'secret' }]),
      },
      pod,
    ),
    driverAttributes(
      {
        usePodIdentity: 'true',
        keyvaultName: vault,
        tenantId: 'tid',
        objects: objectsYaml([{ objectName: 'alpha', objectType: 'secret', objectAlias: `${huge}\ud800` }]),
      },
      pod,
    ),
    `{"a":"${huge}`,
  ];
}

function rssMiB(): number {
  const statusText = readFileSync(`/proc/${stack.daemon.pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+)/m.exec(statusText)?.[1] ?? 0) / 1024;
}

// Strings that hurt: lone surrogates, NULs, control and bidi characters, path tricks.
const nasty = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '\ud800',
    'a\udfffb',
    '\u0000',
    '../../etc/passwd',
    '/etc/shadow',
    'a/../../b',
    '..data',
    '..',
    '.',
    '',
    'a//b',
    './x',
    'x/',
    '\\..\\x',
    '\u202e',
    'é'.normalize('NFD'),
    '%2e%2e/x',
    'x'.repeat(300),
  ),
);

// Parameters of the SecretProviderClass with fuzzed values around a valid skeleton.
const parameterValue = fc.oneof(
  { weight: 3, arbitrary: nasty },
  fc.constantFrom('true', 'false', vault, 'tid', '0', '-1'),
);
const objectField = fc.oneof(
  fc.constantFrom(
    'objectName',
    'objectType',
    'objectAlias',
    'objectVersion',
    'objectFormat',
    'objectEncoding',
    'filePermission',
    'objectVersionHistory',
  ),
  fc.string({ maxLength: 12 }),
);
const objectValue = fc.oneof(
  nasty,
  fc.constantFrom(
    'alpha',
    'beta',
    'secret',
    'key',
    'cert',
    'pfx',
    'pem',
    'base64',
    'hex',
    'utf-8',
    '0644',
    '0999',
    '3',
    '-2',
    '1e9',
  ),
  fc.integer({ min: -5, max: 1 << 20 }).map(String),
);
const objectYaml = fc.oneof(
  // Structured: a YAML array of mappings with random fields and values.
  fc.array(fc.dictionary(objectField, objectValue, { maxKeys: 6 }), { maxLength: 6 }).map(
    (objects) =>
      `array:\n${objects
        .map(
          (o) =>
            `  - |\n${Object.entries(o)
              .map(([k, v]) => `    ${k}: ${JSON.stringify(v)}`)
              .join('\n')}\n`,
        )
        .join('')}`,
  ),
  // Aliases with path tricks on real objects: either rejected or kept inside the target.
  fc.array(nasty, { minLength: 1, maxLength: 3 }).map((aliases) =>
    objectsYaml(
      aliases.map((objectAlias, i) => ({
        objectName: i % 2 ? 'beta' : 'alpha',
        objectType: 'secret',
        objectAlias,
      })),
    ),
  ),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.constantFrom(
    'array:',
    'array: []',
    'array:\n  - |\n',
    '{',
    'array:\n  - [\n',
    '&a [*a]',
    'array: !!binary AAAA',
    'a: &x 1\nb: *x',
  ),
);
const skeletonAttributes = fc
  .record(
    {
      usePodIdentity: fc.oneof(fc.constant('true'), parameterValue),
      keyvaultName: fc.oneof(fc.constant(vault), parameterValue),
      tenantId: fc.oneof(fc.constant('tid'), parameterValue),
      objects: objectYaml,
      cloudName: parameterValue,
      podName: fc.oneof(fc.constant(pod.name), nasty),
      extra: fc.dictionary(fc.string({ unit: 'binary', maxLength: 20 }), nasty, { maxKeys: 3 }),
    },
    { requiredKeys: ['usePodIdentity', 'keyvaultName', 'tenantId', 'objects'] },
  )
  .map((p) => {
    const map = new Map<string, string>(Object.entries(p.extra ?? {}));
    map.set('usePodIdentity', p.usePodIdentity);
    map.set('keyvaultName', p.keyvaultName);
    map.set('tenantId', p.tenantId);
    map.set('objects', p.objects);
    if (p.cloudName !== undefined) map.set('cloudName', p.cloudName);
    map.set('csi.storage.k8s.io/pod.name', p.podName ?? pod.name);
    map.set('csi.storage.k8s.io/pod.namespace', pod.namespace);
    map.set('csi.storage.k8s.io/pod.uid', pod.uid);
    return marshalGoStringMap(map);
  });
// Lone surrogates as JSON escapes survive protobuf's UTF-8 and reach the daemon as JS strings.
const escapedSurrogates = fc
  .constantFrom('keyvaultName', 'tenantId', 'usePodIdentity', 'csi.storage.k8s.io/pod.name', 'objects')
  .chain((key) =>
    fc
      .constantFrom('\\ud800', '\\udc00x', 'a\\ud83d', '\\udfff\\ud800')
      .map((sequence) =>
        validAttributes().replace(new RegExp(`"${key.replaceAll('.', '\\.')}":"`), `"${key}":"${sequence}`),
      ),
  );
const attributes = fc.oneof(
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 300 }) },
  { weight: 2, arbitrary: fc.json({ maxDepth: 3 }) },
  {
    weight: 2,
    arbitrary: fc
      .dictionary(fc.string({ maxLength: 30 }), fc.string({ maxLength: 30 }))
      .map((d) => JSON.stringify(d)),
  },
  { weight: 6, arbitrary: skeletonAttributes },
  { weight: 1, arbitrary: escapedSurrogates },
);
const request = fc.record({
  attributes,
  secrets: fc.oneof(fc.constant('null'), fc.json({ maxDepth: 2 }), fc.string({ maxLength: 40 })),
  permission: fc.oneof(
    fc.constant('420'),
    fc.constantFrom('0', '511', '512', '-1', '4.2', '"420"', 'null', '1e3'),
    fc.string({ maxLength: 8 }),
  ),
  targetPath: fc.oneof(fc.constant('/fuzz'), nasty),
});

describe('fuzzing Mount on the running daemon', () => {
  it('answers thousands of random and malformed requests before their deadlines, 8 at a time, valid ones still succeeding', async () => {
    await expectValidMount();
    const rssBefore = rssMiB();
    const randomSeed = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
    const seeds = process.env.FUZZ_SEED ? [randomSeed] : [...FIXED_SEEDS, randomSeed];
    // Printed so a failing run can be replayed: FUZZ_SEED=<seed> npx vitest run --project e2e src/fuzz.spec.ts
    console.log(`fuzz seeds: ${seeds.join(', ')} (random one: ${randomSeed})`);
    for (const seed of seeds) {
      const requests = fc.sample(request, { seed, numRuns: REQUESTS_PER_SEED });
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < requests.length) {
          const index = next++;
          try {
            if (index % VALID_EVERY === VALID_EVERY - 1) await expectValidMount(CALL_TIMEOUT_MS);
            else expectDaemonStatus(await mountRaw(requests[index]!));
          } catch (error) {
            throw new Error(
              `fuzz seed ${seed}, request ${index}: ${JSON.stringify(requests[index]).slice(0, 500)}\n${String(error)}`,
            );
          }
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    }
    const bytes = fc.sample(fc.uint8Array({ maxLength: 400 }), { seed: randomSeed, numRuns: 300 });
    let nextBytes = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (nextBytes < bytes.length) expectDaemonStatus(await mountBytes(bytes[nextBytes++]!));
      }),
    );
    await expectValidMount();
    expect(stack.daemon.exit).toBeUndefined();
    // Garbage parses and fails fast; memory is what a few thousand short requests leave behind.
    expect(rssMiB() - rssBefore).toBeLessThan(64);
    expect([...codes.keys()]).not.toContain(status.UNAVAILABLE);
  });

  it('answers values up to 1 MiB with a bounded status and keeps serving under the chart heap cap', async () => {
    const rssBefore = rssMiB();
    for (const size of [64 * 1024, 1 << 20]) {
      for (const attrs of hugeAttributes(size)) {
        const answer = await mountRaw({
          attributes: attrs,
          secrets: 'null',
          permission: '420',
          targetPath: '/fuzz',
        });
        expectDaemonStatus(answer);
        expect(answer.code).not.toBe(status.OK);
      }
      await expectValidMount();
    }
    expect(stack.daemon.exit).toBeUndefined();
    expect(rssMiB() - rssBefore).toBeLessThan(128);
  });

  // Known defect (reported): a 1.5 MiB double-quoted objectName (3 MiB of attributes) makes the
  // objects YAML parse allocate dozens of times its size; under the chart's 64 MiB heap cap V8 aborts
  // (heap out of memory) and every mount in flight is lost. No object field can validly exceed 4096
  // bytes, so @keyvault-csi/spc could refuse such input before the YAML parse.
  it('survives a 1.5 MiB object name under the chart heap cap (daemon crashes: heap OOM)', async () => {
    const own = await ProviderStack.start({
      metrics: false,
      nodeOptions: chartDaemonRuntime().nodeOptions,
      daemonEnv: chartDaemonRuntime().env,
    });
    const send = (attributes: string) =>
      new Promise<Answer>((resolve) =>
        own.client.mount(
          { attributes, secrets: 'null', permission: '420', targetPath: '/fuzz', currentObjectVersion: [] },
          new Metadata({ waitForReady: true }),
          { deadline: Date.now() + 20_000 },
          (error) =>
            resolve(error ? { code: error.code, details: error.details } : { code: status.OK, details: '' }),
        ),
      );
    try {
      // As a daemon that has served mounts: the Key Vault runtime is loaded (its heap share counts).
      const clientId = randomUUID();
      own.nmi.bind(pod.namespace, pod.name, clientId);
      const v = own.keyVault.addVault(vault).grant(clientId, { secrets: ['get'] });
      for (const [name, value] of Object.entries(secrets)) v.setSecret(name, value);
      expect((await send(validAttributes())).code).toBe(status.OK);
      for (const attributes of [hugeAttributes(1 << 20)[1]!, hugeAttributes(3 << 20)[1]!]) {
        const answer = await send(attributes);
        expect(answer.code, answer.details).toBe(status.INVALID_ARGUMENT);
      }
      expect(own.daemon.exit).toBeUndefined();
    } finally {
      await own.stop();
    }
  });

  it('counted what it sent', () => {
    expect(requests).toBeGreaterThan(FIXED_SEEDS.length * REQUESTS_PER_SEED);
    expect(validMounts).toBeGreaterThan((FIXED_SEEDS.length * REQUESTS_PER_SEED) / VALID_EVERY);
  });
});
