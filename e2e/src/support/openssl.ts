import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CERTIFICATE_EXTENSIONS,
  certificatePem,
  generatePrivateKey,
  makeCertificates,
  makePfx,
  privateKeyPem,
  publicKeyPem,
  openssl as runOpenssl,
} from '@keyvault-csi/test-pki';

/** Runs openssl in `cwd`, returning stdout as text (progress noise on stderr is dropped). */
export function openssl(cwd: string, args: readonly string[], input?: string): string {
  return runOpenssl(cwd, args, input).toString('utf8');
}

export interface CertificateChain {
  readonly dir: string;
  /** PEM of each certificate. */
  readonly rootPem: string;
  readonly intermediatePem: string;
  readonly leafPem: string;
  /** PKCS#8 PEM of the leaf's private key, as `openssl pkey` prints it. */
  readonly leafKeyPem: string;
  /**
   * PFX (empty password) holding the leaf key and the three certificates in the given order; `legacy`
   * is Key Vault's own format (3DES keys, RC2-40 certificates), else OpenSSL 3's AES default.
   */
  pfx(order: readonly ('root' | 'intermediate' | 'leaf')[], legacy?: boolean): Buffer;
}

/** A root → intermediate → leaf chain made with openssl (EC P-256 keys: fast to generate). */
export function makeCertificateChain(cn = 'e2e'): CertificateChain {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'e2e-pki-'));
  const { ca, leaf } = CERTIFICATE_EXTENSIONS;
  makeCertificates(dir, [
    { name: 'root', subject: `/CN=${cn} root`, extensions: ca, days: 30 },
    { name: 'int', issuer: 'root', subject: `/CN=${cn} intermediate`, extensions: ca, days: 30 },
    {
      name: 'leaf',
      issuer: 'int',
      subject: `/CN=${cn}.example.com`,
      extensions: `${leaf}subjectAltName=DNS:${cn}.example.com\n`,
      days: 30,
    },
  ]);
  const files = { root: 'root', intermediate: 'int', leaf: 'leaf' } as const;
  return {
    dir,
    rootPem: certificatePem(dir, 'root'),
    intermediatePem: certificatePem(dir, 'int'),
    leafPem: certificatePem(dir, 'leaf'),
    leafKeyPem: privateKeyPem(readFileSync(path.join(dir, 'leaf.key'), 'utf8')),
    pfx(order, legacy = false) {
      return makePfx(dir, {
        out: `bundle-${order.join('-')}${legacy ? '-legacy' : ''}`,
        key: 'leaf',
        certificates: order.map((c) => files[c]),
        variant: legacy ? 'legacy' : 'aes',
      });
    },
  };
}

/**
 * An RSA key pair: private PEM (for the emulator) and the SPKI public PEM openssl derives. `dir` is
 * kept for existing callers; the key never touches the disk.
 */
export function makeRsaKey(_dir?: string): { privatePem: string; publicPem: string } {
  const privatePem = generatePrivateKey({ type: 'rsa' });
  return { privatePem, publicPem: publicKeyPem(privatePem) };
}
