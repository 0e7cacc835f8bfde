// Run as `node --max-old-space-size=64 heap-cap-child.mjs <spc index.js>` (heap-cap.spec.ts): feeds
// parseMountRequest the input shapes that exhaust a 64 MiB heap (the Helm chart's cap) during the
// YAML or JSON parse, and prints the outcome of each as one JSON line. A crash is a V8 abort:
// no output, a signal instead of exit code 0.
const { parseMountRequest } = await import(process.argv[2]);

// The daemon's heap holds ~20 MiB once the Azure SDK runtime is loaded; keep as much alive here.
const ballast = Array.from(
  { length: 20 * 1024 },
  (_, i) => `${'b'.repeat(1016)}${String(i).padStart(8, '0')}`,
);

const MiB = 1 << 20;
const pod = {
  'csi.storage.k8s.io/pod.name': 'web-0',
  'csi.storage.k8s.io/pod.namespace': 'shop',
  usePodIdentity: 'true',
  keyvaultName: 'kv-shop',
  tenantId: 'tenant',
};
const lines = (size, indent) => {
  const line = `${'x'.repeat(79)}\n${indent}`;
  return line
    .repeat(Math.ceil(size / line.length))
    .slice(0, size)
    .trimEnd();
};
const manySmall = (size) => {
  const items = [];
  for (let length = 0, i = 0; length < size; i++) {
    items.push(`objectName: o${i}\nobjectType: secret`);
    length += items.at(-1).length + 4;
  }
  return JSON.stringify({ array: items });
};

// Each shape, 1.5 MiB of `objects` (a SecretProviderClass as large as etcd stores).
const shapes = {
  // The e2e defect: one double-quoted objectName inside a `- |` block.
  'quoted name': `array:\n  - |\n    objectName: "${'x'.repeat(1.5 * MiB)}"\n    objectType: secret\n`,
  'multi-line quoted item': `array:\n  - "${lines(1.5 * MiB, '    ')}"\n`,
  'multi-line plain name': `array:\n  - |\n    objectName: ${lines(1.5 * MiB, '      ')}\n    objectType: secret\n`,
  'block item': `array:\n  - |\n    ${lines(1.5 * MiB, '    ')}\n`,
  'many small objects (JSON form)': manySmall(1.5 * MiB),
};

const outcome = (attributes, secrets) => {
  try {
    // The object-count cap (1,000 by default) is raised: these shapes test the byte limits.
    const plan = parseMountRequest({ attributes, secrets, permission: '420' }, { maxObjects: 1e9 });
    return { code: 'OK', objects: plan.objects.length };
  } catch (error) {
    return { code: error?.code, message: String(error?.message) };
  }
};
const report = (shape, attributes, secrets = 'null') => {
  const bytes = attributes.length + secrets.length;
  process.stdout.write(`${JSON.stringify({ shape, bytes, ...outcome(attributes, secrets) })}\n`);
};
// `,"k0":"v","k1":"v",…` built as text: an object with that many keys would itself eat the heap.
const manyKeys = (size) => {
  const parts = [];
  for (let length = 0, i = 0; length < size; i++) {
    parts.push(`,"k${i}":"v"`);
    length += parts.at(-1).length;
  }
  return parts.join('');
};
const withKeys = (attributes, size) => `${attributes.slice(0, -1)}${manyKeys(size)}}`;

for (const [shape, objects] of Object.entries(shapes)) report(shape, JSON.stringify({ ...pod, objects }));
// ~300,000 tiny keys: JSON.parse alone builds a huge dictionary object.
report('attributes of many keys', withKeys(JSON.stringify(pod), 3.5 * MiB));
report('secrets of many keys', JSON.stringify(pod), withKeys('{"clientid":"c"}', 3.5 * MiB));
// Just under every limit, in the costliest shapes measured: must parse.
report(
  'largest accepted: JSON-form objects and many keys',
  withKeys(JSON.stringify({ ...pod, objects: manySmall(500 * 1024) }), 1.4 * MiB),
  withKeys('{"clientid":"c"}', 1.9 * MiB),
);
process.stdout.write(`${JSON.stringify({ ballast: ballast.length })}\n`);
