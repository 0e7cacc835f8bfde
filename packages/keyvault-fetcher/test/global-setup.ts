import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureTestTls } from '@keyvault-csi/keyvault-emulator';
import {
  CERTIFICATE_EXTENSIONS,
  certificateDer,
  certificatePem,
  type EcCurve,
  generatePrivateKey,
  makeCertificates,
  makeChain,
  makePfx,
  PFX_VARIANTS,
  type PfxVariant,
  privateKeyPem,
  publicKeyPem,
} from '@keyvault-csi/test-pki';

/**
 * The emulator's shared test CA directory (the same one tools/keyvault-emulator's tests use).
 * When the whole workspace runs in one vitest process every project's globalSetup sets
 * NODE_EXTRA_CA_CERTS for all workers, so projects must agree on one CA; ensureTestTls makes it
 * once (under a lock) and reuses it.
 */
const SHARED_TLS_DIR = join(tmpdir(), 'keyvault-csi-test-tls');

/**
 * Certificates, keys and PFX files made by the system openssl into `dir`, so conversions are checked
 * against the tool everybody trusts rather than against our own output.
 */
function makeOpensslFixtures(dir: string): void {
  const write = (file: string, contents: string | Uint8Array) => writeFileSync(join(dir, file), contents);
  makeCertificates(dir, [{ name: 'rsa', key: { type: 'rsa' }, extensions: CERTIFICATE_EXTENSIONS.leaf }]);
  write('rsa.pub.pem', publicKeyPem(readFileSync(join(dir, 'rsa.key'), 'utf8')));
  // EC keys on every supported curve, as SPKI PEM for the JWK conversions
  for (const curve of ['P-256', 'P-384', 'P-521'] satisfies EcCurve[]) {
    const key = generatePrivateKey({ type: 'ec', curve });
    write(`ec-${curve}.key`, key);
    write(`ec-${curve}.pub.pem`, publicKeyPem(key));
  }
  // root → int → leaf, all with SKI/AKI
  const a = makeChain(dir, { prefix: 'a-' });
  // root → int1 → int2 → leaf, leaf without SKI
  const b = makeChain(dir, { prefix: 'b-', intermediates: 2, keyIdentifiers: 'leaf-without-ski' });
  // root → int → leaf without any key identifiers: only DN + signature can order them
  const c = makeChain(dir, { prefix: 'c-', keyIdentifiers: 'none' });
  for (const variant of Object.keys(PFX_VARIANTS) as PfxVariant[]) {
    makePfx(dir, { out: `rsa-${variant}`, key: 'rsa', certificates: ['rsa'], variant });
    // EC leaf + chain, stored as leaf, root, int
    makePfx(dir, {
      out: `ec-chain-${variant}`,
      key: 'a-leaf',
      certificates: ['a-leaf', 'a-root', 'a-int'],
      variant,
    });
  }
  // leaf + root without the intermediate: the chain cannot be completed
  makePfx(dir, { out: 'ec-partial', key: 'a-leaf', certificates: ['a-leaf', 'a-root'], variant: 'aes' });
  // reference outputs: PKCS#8 keys and certificate PEMs as openssl prints them
  for (const key of ['rsa', a.leaf])
    write(`${key}.pkcs8.pem`, privateKeyPem(readFileSync(join(dir, `${key}.key`), 'utf8')));
  for (const cert of [
    'rsa',
    ...[a, b, c].flatMap((chain) => [chain.root, ...chain.intermediates, chain.leaf]),
  ]) {
    write(`${cert}.x509.pem`, certificatePem(dir, cert));
    write(`${cert}.der`, certificateDer(dir, cert));
  }
}

/**
 * Runs once before the workers start, which inherit the environment: makes the openssl fixtures
 * (KVF_FIXTURES_DIR) and the emulator's test CA, which must be in NODE_EXTRA_CA_CERTS before a
 * worker starts because Node reads that variable only at process start.
 */
export default async function setup(): Promise<() => void> {
  const root = mkdtempSync(join(tmpdir(), 'kvf-test-'));
  const fixtures = join(root, 'fixtures');
  makeOpensslFixtures(fixtures);
  const tls = await ensureTestTls(SHARED_TLS_DIR);
  process.env.KVF_FIXTURES_DIR = fixtures;
  process.env.KVF_TLS_DIR = tls.dir;
  process.env.NODE_EXTRA_CA_CERTS = tls.caCertPath;
  return () => rmSync(root, { recursive: true, force: true });
}
