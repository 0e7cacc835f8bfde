import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function openssl(args: string[], cwd: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile('openssl', args, { cwd, encoding: 'buffer' }, (error, stdout, stderr) =>
      error ? reject(new Error(`openssl ${args.join(' ')}: ${stderr.toString()}`)) : resolve(stdout),
    );
  });
}

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

/** Certificates, keys and PFX files made by the openssl CLI, as users make them. */
export async function makeOpensslFixtures(): Promise<OpensslFixtures> {
  const dir = await mkdtemp(join(tmpdir(), 'kv-emulator-fixtures-'));
  const run = (...args: string[]) => openssl(args, dir);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await run(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'rsa.key',
    '-out',
    'rsa.crt',
    '-days',
    '30',
    '-subj',
    '/CN=rsa-leaf',
  );
  await run(
    'pkcs12',
    '-export',
    '-inkey',
    'rsa.key',
    '-in',
    'rsa.crt',
    '-out',
    'rsa-aes.pfx',
    '-passout',
    'pass:',
  );
  try {
    await run(
      'pkcs12',
      '-export',
      '-legacy',
      '-inkey',
      'rsa.key',
      '-in',
      'rsa.crt',
      '-out',
      'rsa-legacy.pfx',
      '-passout',
      'pass:',
    );
  } catch {
    await run(
      'pkcs12',
      '-export',
      '-keypbe',
      'PBE-SHA1-3DES',
      '-certpbe',
      'PBE-SHA1-RC2-40',
      '-inkey',
      'rsa.key',
      '-in',
      'rsa.crt',
      '-out',
      'rsa-legacy.pfx',
      '-passout',
      'pass:',
    );
  }
  await run(
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'root.key',
    '-out',
    'root.crt',
    '-days',
    '30',
    '-subj',
    '/CN=ec-root',
  );
  await writeFile(
    join(dir, 'ca.ext'),
    'basicConstraints=critical,CA:TRUE\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n',
  );
  await writeFile(
    join(dir, 'leaf.ext'),
    'basicConstraints=CA:FALSE\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n',
  );
  await run('req', '-new', ...ec, '-keyout', 'int.key', '-out', 'int.csr', '-subj', '/CN=ec-intermediate');
  await run(
    'x509',
    '-req',
    '-in',
    'int.csr',
    '-CA',
    'root.crt',
    '-CAkey',
    'root.key',
    '-CAcreateserial',
    '-days',
    '30',
    '-extfile',
    'ca.ext',
    '-out',
    'int.crt',
  );
  await run('req', '-new', ...ec, '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=ec-leaf');
  await run(
    'x509',
    '-req',
    '-in',
    'leaf.csr',
    '-CA',
    'int.crt',
    '-CAkey',
    'int.key',
    '-CAcreateserial',
    '-days',
    '30',
    '-extfile',
    'leaf.ext',
    '-out',
    'leaf.crt',
  );
  // Chain in a scrambled order: root first, then the intermediate.
  await writeFile(
    join(dir, 'chain.crt'),
    Buffer.concat([await readFile(join(dir, 'root.crt')), await readFile(join(dir, 'int.crt'))]),
  );
  await run(
    'pkcs12',
    '-export',
    '-inkey',
    'leaf.key',
    '-in',
    'leaf.crt',
    '-certfile',
    'chain.crt',
    '-out',
    'ec-chain.pfx',
    '-passout',
    'pass:',
  );
  await run('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384', '-out', 'ec384.key');
  const text = (f: string) => readFile(join(dir, f), 'utf8');
  return {
    dir,
    rsaKeyPem: await text('rsa.key'),
    rsaCertPem: await text('rsa.crt'),
    rsaCertDer: await run('x509', '-in', 'rsa.crt', '-outform', 'DER'),
    rsaPublicPem: (await run('pkey', '-in', 'rsa.key', '-pubout')).toString(),
    rsaPfxAes: await readFile(join(dir, 'rsa-aes.pfx')),
    rsaPfxLegacy: await readFile(join(dir, 'rsa-legacy.pfx')),
    rsaBundlePem: (await text('rsa.key')) + (await text('rsa.crt')),
    ecLeafDer: await run('x509', '-in', 'leaf.crt', '-outform', 'DER'),
    ecPublicPem: (await run('pkey', '-in', 'leaf.key', '-pubout')).toString(),
    ecChainPfx: await readFile(join(dir, 'ec-chain.pfx')),
    ec384KeyPem: await text('ec384.key'),
    ec384PublicPem: (await run('pkey', '-in', 'ec384.key', '-pubout')).toString(),
  };
}
