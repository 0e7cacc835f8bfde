import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Certificates, keys and PFX files made by the system openssl, so conversions are checked against
 * the tool everybody trusts rather than against our own output.
 */

function openssl(cwd: string, args: string[]): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    const stderr = String((error as { stderr?: Buffer }).stderr ?? '');
    throw new Error(`openssl ${args.join(' ')} failed: ${stderr}`);
  }
}

const EXT = {
  ca: 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid:always\n',
  leaf: 'basicConstraints=CA:FALSE\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid:always\n',
  leafNoSki: 'basicConstraints=CA:FALSE\nsubjectKeyIdentifier=none\nauthorityKeyIdentifier=keyid:always\n',
  caNoIds: 'basicConstraints=critical,CA:TRUE\nsubjectKeyIdentifier=none\nauthorityKeyIdentifier=none\n',
  leafNoIds: 'basicConstraints=CA:FALSE\nsubjectKeyIdentifier=none\nauthorityKeyIdentifier=none\n',
} as const;

function ecKey(dir: string, name: string): void {
  openssl(dir, ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`]);
}

function selfSigned(dir: string, name: string, ext: string): void {
  writeFileSync(join(dir, `${name}.ext`), ext);
  openssl(dir, ['req', '-new', '-key', `${name}.key`, '-subj', `/CN=${name}`, '-out', `${name}.csr`]);
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-signkey',
    `${name}.key`,
    '-days',
    '3650',
    '-extfile',
    `${name}.ext`,
    '-out',
    `${name}.pem`,
  ]);
}

function issued(dir: string, name: string, issuer: string, ext: string): void {
  writeFileSync(join(dir, `${name}.ext`), ext);
  openssl(dir, ['req', '-new', '-key', `${name}.key`, '-subj', `/CN=${name}`, '-out', `${name}.csr`]);
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${issuer}.pem`,
    '-CAkey',
    `${issuer}.key`,
    '-CAcreateserial',
    '-days',
    '3650',
    '-extfile',
    `${name}.ext`,
    '-out',
    `${name}.pem`,
  ]);
}

function chain(
  dir: string,
  prefix: string,
  links: ReadonlyArray<readonly [string, string | null, string]>,
): void {
  for (const [name, issuer, ext] of links) {
    ecKey(dir, `${prefix}${name}`);
    if (issuer === null) selfSigned(dir, `${prefix}${name}`, ext);
    else issued(dir, `${prefix}${name}`, `${prefix}${issuer}`, ext);
  }
}

export const PFX_VARIANTS = {
  aes: [],
  // -legacy loads OpenSSL 3's legacy provider: 3DES keys, RC2-40 certificates (Key Vault's own format)
  legacy: ['-legacy', '-keypbe', 'PBE-SHA1-3DES', '-certpbe', 'PBE-SHA1-RC2-40'],
  nomac: ['-nomac'],
  unencrypted: ['-keypbe', 'NONE', '-certpbe', 'NONE'],
} as const;

export type PfxVariant = keyof typeof PFX_VARIANTS;

function pfx(dir: string, out: string, key: string, certs: readonly string[], variant: PfxVariant): void {
  const bundle = certs.map((c) => readFileSync(join(dir, c), 'utf8')).join('');
  writeFileSync(join(dir, `${out}.bundle.pem`), bundle);
  openssl(dir, [
    'pkcs12',
    '-export',
    '-inkey',
    key,
    '-in',
    `${out}.bundle.pem`,
    '-passout',
    'pass:',
    ...PFX_VARIANTS[variant],
    '-out',
    `${out}.pfx`,
  ]);
}

/** Writes every fixture into `dir` (created if missing). */
export function makeOpensslFixtures(dir: string): void {
  mkdirSync(dir, { recursive: true });
  // root → int → leaf, all with SKI/AKI
  chain(dir, 'a-', [
    ['root', null, EXT.ca],
    ['int', 'root', EXT.ca],
    ['leaf', 'int', EXT.leaf],
  ]);
  // root → int1 → int2 → leaf, leaf without SKI
  chain(dir, 'b-', [
    ['root', null, EXT.ca],
    ['int1', 'root', EXT.ca],
    ['int2', 'int1', EXT.ca],
    ['leaf', 'int2', EXT.leafNoSki],
  ]);
  // root → int → leaf without any key identifiers: only DN + signature can order them
  chain(dir, 'c-', [
    ['root', null, EXT.caNoIds],
    ['int', 'root', EXT.caNoIds],
    ['leaf', 'int', EXT.leafNoIds],
  ]);
  // RSA single self-signed certificate
  openssl(dir, ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', 'rsa.key']);
  selfSigned(dir, 'rsa', EXT.leaf);
  for (const variant of Object.keys(PFX_VARIANTS) as PfxVariant[]) {
    pfx(dir, `rsa-${variant}`, 'rsa.key', ['rsa.pem'], variant);
    // EC leaf + chain, stored as leaf, root, int
    pfx(dir, `ec-chain-${variant}`, 'a-leaf.key', ['a-leaf.pem', 'a-root.pem', 'a-int.pem'], variant);
  }
  // reference outputs: PKCS#8 keys and certificate PEMs as openssl prints them
  for (const key of ['rsa', 'a-leaf'])
    openssl(dir, ['pkey', '-in', `${key}.key`, '-out', `${key}.pkcs8.pem`]);
  for (const cert of [
    'rsa',
    'a-root',
    'a-int',
    'a-leaf',
    'b-root',
    'b-int1',
    'b-int2',
    'b-leaf',
    'c-root',
    'c-int',
    'c-leaf',
  ]) {
    openssl(dir, ['x509', '-in', `${cert}.pem`, '-out', `${cert}.x509.pem`]);
    openssl(dir, ['x509', '-in', `${cert}.pem`, '-outform', 'DER', '-out', `${cert}.der`]);
  }
  // EC keys on every supported curve plus one RSA public key, as SPKI PEM for the JWK conversions
  for (const curve of ['P-256', 'P-384', 'P-521']) {
    openssl(dir, [
      'genpkey',
      '-algorithm',
      'EC',
      '-pkeyopt',
      `ec_paramgen_curve:${curve}`,
      '-out',
      `ec-${curve}.key`,
    ]);
    openssl(dir, ['pkey', '-in', `ec-${curve}.key`, '-pubout', '-out', `ec-${curve}.pub.pem`]);
  }
  openssl(dir, ['pkey', '-in', 'rsa.key', '-pubout', '-out', 'rsa.pub.pem']);
}
