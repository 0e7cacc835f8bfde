import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CERTIFICATE_EXTENSIONS, makeCertificates } from '@keyvault-csi/test-pki';

/** A test CA as files (e.g. `ensureTestTls(...)`'s `ca.pem` and `ca.key`). */
export interface TestCa {
  readonly certPath: string;
  readonly keyPath: string;
}

export interface ServerCertificate {
  readonly certPem: string;
  readonly keyPem: string;
}

/** A TLS server certificate for `dnsNames` and `ipAddresses` (subject alternative names), signed by `ca`, made with openssl. */
export function issueServerCertificate(
  ca: TestCa,
  names: { readonly dnsNames: readonly string[]; readonly ipAddresses?: readonly string[] },
): ServerCertificate {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fake-token-proxy-pki-'));
  try {
    copyFileSync(ca.certPath, path.join(dir, 'ca.pem'));
    copyFileSync(ca.keyPath, path.join(dir, 'ca.key'));
    const san = [
      ...names.dnsNames.map((name) => `DNS:${name}`),
      ...(names.ipAddresses ?? []).map((ip) => `IP:${ip}`),
    ].join(',');
    makeCertificates(dir, [
      {
        name: 'server',
        issuer: 'ca',
        subject: `/CN=${names.dnsNames[0] ?? names.ipAddresses?.[0] ?? 'server'}`,
        extensions: `${CERTIFICATE_EXTENSIONS.leaf}extendedKeyUsage=serverAuth\nsubjectAltName=${san}\n`,
        days: 30,
      },
    ]);
    return {
      certPem: readFileSync(path.join(dir, 'server.pem'), 'utf8'),
      keyPem: readFileSync(path.join(dir, 'server.key'), 'utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
