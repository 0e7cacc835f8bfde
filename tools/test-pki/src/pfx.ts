import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openssl } from './openssl.js';

/** `openssl pkcs12 -export` options of each PFX flavour users bring. */
export const PFX_VARIANTS = {
  /** OpenSSL 3's default: PBES2 with AES-256-CBC, HMAC-SHA256 MAC. */
  aes: [],
  /** Key Vault's own format: 3DES keys, RC2-40 certificates (needs OpenSSL 3's legacy provider). */
  legacy: ['-legacy', '-keypbe', 'PBE-SHA1-3DES', '-certpbe', 'PBE-SHA1-RC2-40'],
  nomac: ['-nomac'],
  unencrypted: ['-keypbe', 'NONE', '-certpbe', 'NONE'],
} as const satisfies Record<string, readonly string[]>;

export type PfxVariant = keyof typeof PFX_VARIANTS;

export interface PfxOptions {
  /** File stem of the result: `<out>.pfx`. */
  readonly out: string;
  /** Stem of the private key file `<key>.key`. */
  readonly key: string;
  /** Stems of the `<name>.pem` certificates to store, in this order (openssl puts the key's own first). */
  readonly certificates: readonly string[];
  /** Default `aes`. */
  readonly variant?: PfxVariant;
}

/** Exports a PFX with the empty password from files in `dir`; writes `<out>.pfx` and returns its bytes. */
export function makePfx(dir: string, options: PfxOptions): Buffer {
  const { out } = options;
  const bundle = options.certificates.map((name) => readFileSync(join(dir, `${name}.pem`), 'utf8')).join('');
  writeFileSync(join(dir, `${out}.bundle.pem`), bundle);
  openssl(dir, [
    'pkcs12',
    '-export',
    '-inkey',
    `${options.key}.key`,
    '-in',
    `${out}.bundle.pem`,
    '-passout',
    'pass:',
    ...PFX_VARIANTS[options.variant ?? 'aes'],
    '-out',
    `${out}.pfx`,
  ]);
  return readFileSync(join(dir, `${out}.pfx`));
}
