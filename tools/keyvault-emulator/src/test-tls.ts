import { X509Certificate } from 'node:crypto';
import { mkdir, mkdtemp, open, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runOpenssl } from './private/openssl.js';

/** Host names the emulator's leaf certificate covers (DNS and IP subject alternative names). */
export const TEST_TLS_HOSTS: readonly string[] = [
  '*.vault.azure.net',
  '*.vault.usgovcloudapi.net',
  '*.vault.azure.cn',
  '*.vault.microsoftazure.de',
  'login.microsoftonline.com',
  'localhost',
  '127.0.0.1',
];

/** A test CA and a leaf certificate it signed, as files in one directory and as PEM text. */
export interface TestTls {
  readonly dir: string;
  readonly caCertPath: string;
  readonly caCertPem: string;
  readonly leafCertPath: string;
  readonly leafCertPem: string;
  readonly leafKeyPath: string;
  readonly leafKeyPem: string;
}

export interface EnsureTestTlsOptions {
  /** Extra DNS names (or IPv4 addresses) for the leaf, e.g. an Azure Stack vault suffix `*.vault.local.azurestack.external`. */
  readonly extraHosts?: readonly string[];
}

const MANIFEST = 'manifest.json';
const LOCK = '.lock';
const FORMAT = 1;
const STALE_LOCK_MS = 30_000;

/**
 * Creates `ca.pem`, `ca.key`, `leaf.pem` and `leaf.key` in `dir` with the `openssl` CLI, or reuses
 * them when a previous call already made them for the same host names. Safe to call concurrently
 * from several processes (a lock file serialises generation), so a vitest globalSetup and the
 * emulators started by its workers can share one directory.
 */
export async function ensureTestTls(dir: string, options: EnsureTestTlsOptions = {}): Promise<TestTls> {
  const hosts = [...TEST_TLS_HOSTS, ...(options.extraHosts ?? [])];
  await mkdir(dir, { recursive: true });
  const existing = await readIfValid(dir, hosts);
  if (existing) return existing;
  const release = await acquireLock(dir, hosts);
  try {
    const again = await readIfValid(dir, hosts);
    if (again) return again;
    await generate(dir, hosts);
    const made = await readIfValid(dir, hosts);
    if (!made) throw new Error(`test TLS material in ${dir} is unusable right after generation`);
    return made;
  } finally {
    await release();
  }
}

async function readIfValid(dir: string, hosts: readonly string[]): Promise<TestTls | undefined> {
  try {
    const manifest = JSON.parse(await readFile(join(dir, MANIFEST), 'utf8')) as {
      format?: number;
      hosts?: string[];
    };
    if (manifest.format !== FORMAT || JSON.stringify(manifest.hosts) !== JSON.stringify(hosts))
      return undefined;
    const paths = {
      caCertPath: join(dir, 'ca.pem'),
      leafCertPath: join(dir, 'leaf.pem'),
      leafKeyPath: join(dir, 'leaf.key'),
    };
    const [caCertPem, leafCertPem, leafKeyPem] = await Promise.all([
      readFile(paths.caCertPath, 'utf8'),
      readFile(paths.leafCertPath, 'utf8'),
      readFile(paths.leafKeyPath, 'utf8'),
    ]);
    const leaf = new X509Certificate(leafCertPem);
    const ca = new X509Certificate(caCertPem);
    // Regenerate a day before expiry so a long-lived directory never serves an expired leaf.
    if (Date.parse(leaf.validTo) - Date.now() < 86_400_000 || !leaf.checkIssued(ca)) return undefined;
    return { dir, ...paths, caCertPem, leafCertPem, leafKeyPem };
  } catch {
    return undefined;
  }
}

async function acquireLock(dir: string, hosts: readonly string[]): Promise<() => Promise<void>> {
  const lockPath = join(dir, LOCK);
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const handle = await open(lockPath, 'wx');
      await handle.close();
      return () => unlink(lockPath).catch(() => undefined);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (await readIfValid(dir, hosts)) return async () => undefined;
    const age = await stat(lockPath).then(
      (s) => Date.now() - s.mtimeMs,
      () => 0,
    );
    if (age > STALE_LOCK_MS) await unlink(lockPath).catch(() => undefined);
    if (Date.now() > deadline) throw new Error(`timed out waiting for the lock ${lockPath}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function generate(dir: string, hosts: readonly string[]): Promise<void> {
  const work = await mkdtemp(join(dir, 'gen-'));
  try {
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    await runOpenssl(
      [
        'req',
        '-x509',
        ...ec,
        '-keyout',
        'ca.key',
        '-out',
        'ca.pem',
        '-days',
        '3650',
        '-sha256',
        '-subj',
        '/CN=keyvault-csi test CA',
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign,cRLSign',
      ],
      work,
    );
    await runOpenssl(
      ['req', '-new', ...ec, '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=*.vault.azure.net'],
      work,
    );
    const san = hosts.map((h) => (/^\d+\.\d+\.\d+\.\d+$/.test(h) ? `IP:${h}` : `DNS:${h}`)).join(',');
    await writeFile(
      join(work, 'leaf.ext'),
      [
        'basicConstraints=critical,CA:FALSE',
        'keyUsage=critical,digitalSignature,keyEncipherment',
        'extendedKeyUsage=serverAuth',
        `subjectAltName=${san}`,
        'subjectKeyIdentifier=hash',
        'authorityKeyIdentifier=keyid',
        '',
      ].join('\n'),
    );
    await runOpenssl(
      [
        'x509',
        '-req',
        '-in',
        'leaf.csr',
        '-CA',
        'ca.pem',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-days',
        '825',
        '-sha256',
        '-extfile',
        'leaf.ext',
        '-out',
        'leaf.pem',
      ],
      work,
    );
    for (const file of ['ca.key', 'ca.pem', 'leaf.key', 'leaf.pem']) {
      await rename(join(work, file), join(dir, file));
    }
    await writeFile(join(dir, MANIFEST), `${JSON.stringify({ format: FORMAT, hosts }, null, 2)}\n`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
