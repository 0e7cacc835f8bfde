import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openssl } from './openssl.js';
import { DEFAULT_KEY, generatePrivateKey, type KeySpec } from './private-key.js';

/** `openssl x509 -extfile` texts for the certificates tests need. */
export const CERTIFICATE_EXTENSIONS = {
  ca: 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid:always\n',
  leaf: 'basicConstraints=CA:FALSE\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid:always\n',
  /** A leaf with an authority key identifier but no subject key identifier. */
  leafWithoutSki:
    'basicConstraints=CA:FALSE\nsubjectKeyIdentifier=none\nauthorityKeyIdentifier=keyid:always\n',
  /** Without any key identifier: only the issuer name and the signature link it to its issuer. */
  caWithoutKeyIds:
    'basicConstraints=critical,CA:TRUE\nsubjectKeyIdentifier=none\nauthorityKeyIdentifier=none\n',
  leafWithoutKeyIds: 'basicConstraints=CA:FALSE\nsubjectKeyIdentifier=none\nauthorityKeyIdentifier=none\n',
} as const;

export interface CertificateSpec {
  /** File stem: the key goes to `<name>.key`, the certificate to `<name>.pem`. */
  readonly name: string;
  /** `openssl x509 -extfile` text, e.g. one of CERTIFICATE_EXTENSIONS. */
  readonly extensions: string;
  /** Stem of the issuing certificate, made earlier in the same directory; omitted for self-signed. */
  readonly issuer?: string;
  /** Default `/CN=<name>`. */
  readonly subject?: string;
  /** Default EC P-256. */
  readonly key?: KeySpec;
  /** Default 3650. */
  readonly days?: number;
}

/**
 * Makes each certificate in order (issuers before what they issue) in `dir`, created if missing:
 * a new key in `<name>.key`, then the certificate in `<name>.pem`.
 */
export function makeCertificates(dir: string, specs: readonly CertificateSpec[]): void {
  mkdirSync(dir, { recursive: true });
  for (const spec of specs) {
    const { name } = spec;
    writeFileSync(join(dir, `${name}.key`), generatePrivateKey(spec.key ?? DEFAULT_KEY));
    writeFileSync(join(dir, `${name}.ext`), spec.extensions);
    const subject = spec.subject ?? `/CN=${name}`;
    openssl(dir, ['req', '-new', '-key', `${name}.key`, '-subj', subject, '-out', `${name}.csr`]);
    const signer =
      spec.issuer === undefined
        ? ['-signkey', `${name}.key`]
        : ['-CA', `${spec.issuer}.pem`, '-CAkey', `${spec.issuer}.key`, '-CAcreateserial'];
    openssl(dir, [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      ...signer,
      '-days',
      String(spec.days ?? 3650),
      '-extfile',
      `${name}.ext`,
      '-out',
      `${name}.pem`,
    ]);
  }
}

/** The certificate `<name>.pem` in `dir` as `openssl x509` prints it. */
export function certificatePem(dir: string, name: string): string {
  return openssl(dir, ['x509', '-in', `${name}.pem`]).toString('utf8');
}

/** The certificate `<name>.pem` in `dir` as DER. */
export function certificateDer(dir: string, name: string): Buffer {
  return openssl(dir, ['x509', '-in', `${name}.pem`, '-outform', 'DER']);
}
