import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

/**
 * Certificates, keys and PFX files made by the system openssl, so conversions are checked against
 * the tool everybody trusts rather than against our own output.
 */

const run = promisify(execFile);

async function openssl(cwd: string, args: string[]): Promise<void> {
  try {
    await run('openssl', args, { cwd });
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

function ecKey(dir: string, name: string): Promise<void> {
  return openssl(dir, [
    'genpkey',
    '-algorithm',
    'EC',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-out',
    `${name}.key`,
  ]);
}

async function selfSigned(dir: string, name: string, ext: string): Promise<void> {
  await writeFile(join(dir, `${name}.ext`), ext);
  await openssl(dir, ['req', '-new', '-key', `${name}.key`, '-subj', `/CN=${name}`, '-out', `${name}.csr`]);
  await openssl(dir, [
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

async function issued(dir: string, name: string, issuer: string, ext: string): Promise<void> {
  await writeFile(join(dir, `${name}.ext`), ext);
  await openssl(dir, ['req', '-new', '-key', `${name}.key`, '-subj', `/CN=${name}`, '-out', `${name}.csr`]);
  await openssl(dir, [
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

/** Like Promise.all, but waits for every step so a failure never races the directory's removal. */
async function all(steps: readonly Promise<void>[]): Promise<void> {
  const results = await Promise.allSettled(steps);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

async function chain(
  dir: string,
  prefix: string,
  links: ReadonlyArray<readonly [string, string | null, string]>,
): Promise<void> {
  await all(links.map(([name]) => ecKey(dir, `${prefix}${name}`)));
  for (const [name, issuer, ext] of links) {
    if (issuer === null) await selfSigned(dir, `${prefix}${name}`, ext);
    else await issued(dir, `${prefix}${name}`, `${prefix}${issuer}`, ext);
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

async function pfx(
  dir: string,
  out: string,
  key: string,
  certs: readonly string[],
  variant: PfxVariant,
): Promise<void> {
  const bundle = (await Promise.all(certs.map((c) => readFile(join(dir, c), 'utf8')))).join('');
  await writeFile(join(dir, `${out}.bundle.pem`), bundle);
  await openssl(dir, [
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

/** Writes every fixture into `dir` (created if missing); independent steps run concurrently. */
export async function makeOpensslFixtures(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const rsa = async () => {
    await openssl(dir, [
      'genpkey',
      '-algorithm',
      'RSA',
      '-pkeyopt',
      'rsa_keygen_bits:2048',
      '-out',
      'rsa.key',
    ]);
    await selfSigned(dir, 'rsa', EXT.leaf);
    await openssl(dir, ['pkey', '-in', 'rsa.key', '-pubout', '-out', 'rsa.pub.pem']);
  };
  // EC keys on every supported curve, as SPKI PEM for the JWK conversions
  const curves = ['P-256', 'P-384', 'P-521'].map(async (curve) => {
    await openssl(dir, [
      'genpkey',
      '-algorithm',
      'EC',
      '-pkeyopt',
      `ec_paramgen_curve:${curve}`,
      '-out',
      `ec-${curve}.key`,
    ]);
    await openssl(dir, ['pkey', '-in', `ec-${curve}.key`, '-pubout', '-out', `ec-${curve}.pub.pem`]);
  });
  await all([
    rsa(),
    ...curves,
    // root → int → leaf, all with SKI/AKI
    chain(dir, 'a-', [
      ['root', null, EXT.ca],
      ['int', 'root', EXT.ca],
      ['leaf', 'int', EXT.leaf],
    ]),
    // root → int1 → int2 → leaf, leaf without SKI
    chain(dir, 'b-', [
      ['root', null, EXT.ca],
      ['int1', 'root', EXT.ca],
      ['int2', 'int1', EXT.ca],
      ['leaf', 'int2', EXT.leafNoSki],
    ]),
    // root → int → leaf without any key identifiers: only DN + signature can order them
    chain(dir, 'c-', [
      ['root', null, EXT.caNoIds],
      ['int', 'root', EXT.caNoIds],
      ['leaf', 'int', EXT.leafNoIds],
    ]),
  ]);
  const steps: Promise<void>[] = [];
  for (const variant of Object.keys(PFX_VARIANTS) as PfxVariant[]) {
    steps.push(pfx(dir, `rsa-${variant}`, 'rsa.key', ['rsa.pem'], variant));
    // EC leaf + chain, stored as leaf, root, int
    steps.push(
      pfx(dir, `ec-chain-${variant}`, 'a-leaf.key', ['a-leaf.pem', 'a-root.pem', 'a-int.pem'], variant),
    );
  }
  // leaf + root without the intermediate: the chain cannot be completed
  steps.push(pfx(dir, 'ec-partial', 'a-leaf.key', ['a-leaf.pem', 'a-root.pem'], 'aes'));
  // reference outputs: PKCS#8 keys and certificate PEMs as openssl prints them
  for (const key of ['rsa', 'a-leaf'])
    steps.push(openssl(dir, ['pkey', '-in', `${key}.key`, '-out', `${key}.pkcs8.pem`]));
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
    steps.push(openssl(dir, ['x509', '-in', `${cert}.pem`, '-out', `${cert}.x509.pem`]));
    steps.push(openssl(dir, ['x509', '-in', `${cert}.pem`, '-outform', 'DER', '-out', `${cert}.der`]));
  }
  await all(steps);
}
