import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Runs openssl in `cwd`, returning stdout (progress noise on stderr is dropped). */
export function openssl(cwd: string, args: readonly string[], input?: string): string {
  return execFileSync('openssl', args, { cwd, encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
}

export interface CertificateChain {
  readonly dir: string;
  /** PEM of each certificate. */
  readonly rootPem: string;
  readonly intermediatePem: string;
  readonly leafPem: string;
  /** PKCS#8 PEM of the leaf's private key, as `openssl pkey` prints it. */
  readonly leafKeyPem: string;
  /** PFX (empty password) holding the leaf key and the three certificates in the given order. */
  pfx(order: readonly ('root' | 'intermediate' | 'leaf')[], legacy?: boolean): Buffer;
}

/** A root → intermediate → leaf chain made with openssl (EC P-256 keys: fast to generate). */
export function makeCertificateChain(cn = 'e2e'): CertificateChain {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'e2e-pki-'));
  const key = (name: string) =>
    openssl(dir, [
      'genpkey',
      '-algorithm',
      'EC',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-out',
      `${name}.key`,
    ]);
  for (const name of ['root', 'int', 'leaf']) key(name);
  writeFileSync(
    path.join(dir, 'ext.cnf'),
    [
      '[ca]',
      'basicConstraints=critical,CA:TRUE',
      'keyUsage=critical,keyCertSign,cRLSign',
      'subjectKeyIdentifier=hash',
      'authorityKeyIdentifier=keyid:always',
      '[leaf]',
      'basicConstraints=critical,CA:FALSE',
      'subjectKeyIdentifier=hash',
      'authorityKeyIdentifier=keyid:always',
      `subjectAltName=DNS:${cn}.example.com`,
      '',
    ].join('\n'),
  );
  openssl(dir, [
    'req',
    '-x509',
    '-new',
    '-key',
    'root.key',
    '-subj',
    `/CN=${cn} root`,
    '-days',
    '30',
    '-out',
    'root.pem',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  openssl(dir, ['req', '-new', '-key', 'int.key', '-subj', `/CN=${cn} intermediate`, '-out', 'int.csr']);
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    'int.csr',
    '-CA',
    'root.pem',
    '-CAkey',
    'root.key',
    '-CAcreateserial',
    '-days',
    '30',
    '-extfile',
    'ext.cnf',
    '-extensions',
    'ca',
    '-out',
    'int.pem',
  ]);
  openssl(dir, ['req', '-new', '-key', 'leaf.key', '-subj', `/CN=${cn}.example.com`, '-out', 'leaf.csr']);
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    'leaf.csr',
    '-CA',
    'int.pem',
    '-CAkey',
    'int.key',
    '-CAcreateserial',
    '-days',
    '30',
    '-extfile',
    'ext.cnf',
    '-extensions',
    'leaf',
    '-out',
    'leaf.pem',
  ]);
  const read = (f: string) => readFileSync(path.join(dir, f), 'utf8');
  const files = { root: 'root.pem', intermediate: 'int.pem', leaf: 'leaf.pem' } as const;
  return {
    dir,
    rootPem: openssl(dir, ['x509', '-in', 'root.pem']),
    intermediatePem: openssl(dir, ['x509', '-in', 'int.pem']),
    leafPem: openssl(dir, ['x509', '-in', 'leaf.pem']),
    leafKeyPem: openssl(dir, ['pkey', '-in', 'leaf.key']),
    pfx(order, legacy = false) {
      writeFileSync(path.join(dir, 'bundle.pem'), order.map((c) => read(files[c])).join(''));
      const out = `bundle-${order.join('-')}${legacy ? '-legacy' : ''}.pfx`;
      const algorithms = legacy ? ['-keypbe', 'PBE-SHA1-3DES', '-certpbe', 'PBE-SHA1-3DES'] : [];
      openssl(dir, [
        'pkcs12',
        '-export',
        '-inkey',
        'leaf.key',
        '-in',
        'bundle.pem',
        '-passout',
        'pass:',
        ...algorithms,
        '-out',
        out,
      ]);
      return readFileSync(path.join(dir, out));
    },
  };
}

/** An RSA key pair: private PEM (for the emulator) and the SPKI public PEM openssl derives. */
export function makeRsaKey(dir: string): { privatePem: string; publicPem: string } {
  const privatePem = openssl(dir, ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048']);
  return { privatePem, publicPem: openssl(dir, ['pkey', '-pubout'], privatePem) };
}
