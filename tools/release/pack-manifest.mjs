#!/usr/bin/env node
// prepack/postpack of each published library (run in the package's folder by npm):
//   strip   — saves package.json aside and writes the manifest users get: the `@keyvault-csi/source`
//             export condition (dev-only: points at src/, which is not shipped), the pack scripts
//             (they reach into this repository) and devDependencies (private test doubles) removed;
//   restore — puts the saved package.json back.
// npm has no publishConfig override for `exports`, hence the rewrite; the tarball takes package.json
// from disk after prepack.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

const SOURCE_CONDITION = '@keyvault-csi/source';
const MANIFEST = 'package.json';
const SAVED = 'package.json.prepack';

/** The manifest as published: same key order, dev-only parts removed. */
export function publishedManifest(manifest) {
  const out = structuredClone(manifest);
  out.exports = stripCondition(out.exports);
  delete out.devDependencies;
  if (out.scripts) {
    delete out.scripts.prepack;
    delete out.scripts.postpack;
    if (Object.keys(out.scripts).length === 0) delete out.scripts;
  }
  return out;
}

function stripCondition(value) {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const out = {};
  for (const [key, entry] of Object.entries(value)) {
    if (key !== SOURCE_CONDITION) out[key] = stripCondition(entry);
  }
  return out;
}

function main(command) {
  if (command === 'strip') {
    // A pack that died before postpack left the original aside: never overwrite it with a stripped copy.
    if (!existsSync(SAVED)) writeFileSync(SAVED, readFileSync(MANIFEST));
    const original = JSON.parse(readFileSync(SAVED, 'utf8'));
    writeFileSync(MANIFEST, `${JSON.stringify(publishedManifest(original), null, 2)}\n`);
    return 0;
  }
  if (command === 'restore') {
    if (existsSync(SAVED)) renameSync(SAVED, MANIFEST);
    return 0;
  }
  process.stderr.write('usage: pack-manifest.mjs strip|restore (run by npm as prepack/postpack)\n');
  return 2;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = main(process.argv[2]);
