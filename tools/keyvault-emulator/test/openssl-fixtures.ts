import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CERTIFICATE_EXTENSIONS,
  certificateDer,
  generatePrivateKey,
  makeCertificates,
  makeChain,
  makePfx,
  publicKeyPem,
} from '@keyvault-csi/test-pki';

export interface OpensslFixtures {
  readonly dir: string;
  /** RSA self-signed certificate and key. */
  readonly rsaKeyPem: string;
  readonly rsaCertPem: string;
  readonly rsaCertDer: Buffer;
  /** `openssl pkey -pubout` of the RSA key. */
  readonly rsaPublicPem: string;
  readonly rsaPfxAes: Buffer;
  readonly rsaPfxLegacy: Buffer;
  /** key + certificate PEM, as `cat key crt`. */
  readonly rsaBundlePem: string;
  /** EC P-256 leaf signed by an intermediate signed by a root; PFX carries the chain (default AES). */
  readonly ecLeafDer: Buffer;
  readonly ecPublicPem: string;
  readonly ecChainPfx: Buffer;
  /** A P-384 key pair for key objects. */
  readonly ec384KeyPem: string;
  readonly ec384PublicPem: string;
}

/**
 * Certificates, keys and PFX files made by the openssl CLI, as users make them. Fixture files name
 * some of them in `dir`: rsa.key, rsa-legacy.pfx.
 */
export async function makeOpensslFixtures(): Promise<OpensslFixtures> {
  const dir = await mkdtemp(join(tmpdir(), 'kv-emulator-fixtures-'));
  const text = (f: string) => readFile(join(dir, f), 'utf8');
  makeCertificates(dir, [{ name: 'rsa', key: { type: 'rsa' }, extensions: CERTIFICATE_EXTENSIONS.leaf }]);
  const rsa = { key: 'rsa', certificates: ['rsa'] };
  const ec = makeChain(dir, { prefix: 'ec-' });
  const ec384KeyPem = generatePrivateKey({ type: 'ec', curve: 'P-384' });
  return {
    dir,
    rsaKeyPem: await text('rsa.key'),
    rsaCertPem: await text('rsa.pem'),
    rsaCertDer: certificateDer(dir, 'rsa'),
    rsaPublicPem: publicKeyPem(await text('rsa.key')),
    rsaPfxAes: makePfx(dir, { ...rsa, out: 'rsa-aes', variant: 'aes' }),
    rsaPfxLegacy: makePfx(dir, { ...rsa, out: 'rsa-legacy', variant: 'legacy' }),
    rsaBundlePem: (await text('rsa.key')) + (await text('rsa.pem')),
    ecLeafDer: certificateDer(dir, ec.leaf),
    ecPublicPem: publicKeyPem(await text(`${ec.leaf}.key`)),
    // the chain in a scrambled order: root first, then the intermediate
    ecChainPfx: makePfx(dir, {
      out: 'ec-chain',
      key: ec.leaf,
      certificates: [ec.leaf, ec.root, ...ec.intermediates],
      variant: 'aes',
    }),
    ec384KeyPem,
    ec384PublicPem: publicKeyPem(ec384KeyPem),
  };
}
