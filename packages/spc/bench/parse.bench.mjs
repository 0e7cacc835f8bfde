#!/usr/bin/env node
// Parse and lint time of a 1,000-object SecretProviderClass. Run after
// `npx tsc --build packages/spc/tsconfig.lib.json`; prints a Markdown section and saves it to
// docs/bench/spc.md.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  buildMountAttributes,
  lintSecretProviderClass,
  MAX_OBJECTS_BYTES,
  parseMountRequest,
  parseSecretProviderClasses,
} from '../dist/index.js';

const OBJECTS = 1000;
const RUNS = 25;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

const types = ['secret', 'key', 'cert'];
let objects = 'array:\n';
for (let i = 0; i < OBJECTS; i++) {
  const type = types[i % 3];
  objects += `  - |\n    objectName: object-${i}\n    objectType: ${type}\n`;
  if (i % 4 === 0) objects += `    objectAlias: dir-${i % 10}/file-${i}.pem\n`;
  if (i % 5 === 0) objects += '    filePermission: 0600\n';
  if (type === 'secret' && i % 7 === 0) objects += '    objectEncoding: base64\n';
}
const manifest = `apiVersion: secrets-store.csi.x-k8s.io/v1
kind: SecretProviderClass
metadata:
  name: bench
  namespace: shop
spec:
  provider: azure
  parameters:
    usePodIdentity: "true"
    keyvaultName: kv-bench
    tenantId: 72f988bf-0000-0000-0000-000000000000
    objects: |
${objects.replace(/^/gm, '      ').trimEnd()}
`;
const [spc] = parseSecretProviderClasses(manifest);
const attributes = buildMountAttributes(spc, {
  name: 'web-0',
  namespace: 'shop',
  uid: '00000000-0000-4000-8000-000000000001',
});
const request = { attributes, secrets: 'null', permission: '420' };

function measure(action, runs = RUNS) {
  for (let i = 0; i < 3; i++) action(); // warm-up
  const times = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    action();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)], max: times.at(-1) };
}

const plan = parseMountRequest(request);
if (plan.objects.length !== OBJECTS)
  throw new Error(`expected ${OBJECTS} objects, got ${plan.objects.length}`);
const diagnostics = lintSecretProviderClass(manifest);
if (diagnostics.length !== 0) throw new Error(`expected a clean lint, got ${diagnostics.length} findings`);

const parse = measure(() => parseMountRequest(request));
const lint = measure(() => lintSecretProviderClass(manifest));
const manifestParse = measure(() => parseSecretProviderClasses(manifest));

// The largest objects text accepted (MAX_OBJECTS_BYTES) in one-line items, the costliest shape per
// byte, and a 1.5 MiB one (the largest class etcd stores), refused before the YAML parse.
const withObjects = (objects) => ({
  attributes: JSON.stringify({ ...JSON.parse(attributes), objects }),
  secrets: 'null',
  permission: '420',
});
let big = 'array:\n';
let bigCount = 0;
for (;;) {
  const item = `  - "objectName: o${bigCount}\\nobjectType: secret"\n`;
  if (big.length + item.length > MAX_OBJECTS_BYTES) break;
  big += item;
  bigCount++;
}
const bigRequest = withObjects(big);
if (parseMountRequest(bigRequest).objects.length !== bigCount) throw new Error('big class did not parse');
const bigParse = measure(() => parseMountRequest(bigRequest), 5);
const oversizeRequest = withObjects(`array:\n  - |\n    objectName: "${'x'.repeat(1.5 * 1024 * 1024)}"\n`);
const refused = (() => {
  try {
    parseMountRequest(oversizeRequest);
  } catch (error) {
    return error.code;
  }
})();
if (refused !== 'OBJECTS_TOO_LARGE')
  throw new Error(`1.5 MiB objects: expected OBJECTS_TOO_LARGE, got ${refused}`);
const oversize = measure(() => {
  try {
    parseMountRequest(oversizeRequest);
  } catch {}
});

const ms = (value) => `${value.toFixed(2)} ms`;
const kib = (text) => `${(Buffer.byteLength(text) / 1024).toFixed(0)} KiB`;
const rows = [
  ['figure', 'value', 'target'],
  [
    `parseMountRequest, ${OBJECTS} objects (attributes ${kib(attributes)}), median of ${RUNS}`,
    ms(parse.median),
    '≤ 50 ms',
  ],
  ['parseMountRequest, slowest run', ms(parse.max), '—'],
  [
    `lintSecretProviderClass, same class as a manifest (${kib(manifest)}), median of ${RUNS}`,
    ms(lint.median),
    '≤ 200 ms',
  ],
  ['lintSecretProviderClass, slowest run', ms(lint.max), '—'],
  [`parseSecretProviderClasses, same manifest, median of ${RUNS}`, ms(manifestParse.median), '—'],
  [
    `parseMountRequest, ${kib(big)} objects text (the limit; ${bigCount} one-line objects), median of 5`,
    ms(bigParse.median),
    '—',
  ],
  [
    `parseMountRequest refuses 1.5 MiB objects text (OBJECTS_TOO_LARGE), median of ${RUNS}`,
    ms(oversize.median),
    '—',
  ],
];
const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
const line = (row) => `| ${row.map((cell, column) => cell.padEnd(widths[column])).join(' | ')} |`;
const table = [
  line(rows[0]),
  `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`,
  ...rows.slice(1).map(line),
];
const cpu = os.cpus()[0]?.model?.trim() ?? 'unknown CPU';
const section = `### spc

Machine: ${cpu}, ${os.cpus().length} cores; Node ${process.version}; ${new Date().toISOString().slice(0, 10)}.
A SecretProviderClass with ${OBJECTS} objects (secrets, keys and certificates; some aliases in
sub-directories, file permissions and encodings), pod-identity mode; every run validates all
steps 1–16 including the cross-object path checks. Load from other processes on the machine
shows in the slowest runs.

${table.join('\n')}
`;
process.stdout.write(section);
fs.mkdirSync(path.join(root, 'docs/bench'), { recursive: true });
fs.writeFileSync(path.join(root, 'docs/bench/spc.md'), section);
