import { tmpdir } from 'node:os';
import { openssl } from './openssl.js';

export type EcCurve = 'P-256' | 'P-384' | 'P-521';

/** Which key `generatePrivateKey` makes: EC (P-256 unless said otherwise) or RSA (2048 bits unless said). */
export type KeySpec =
  | { readonly type: 'ec'; readonly curve?: EcCurve }
  | { readonly type: 'rsa'; readonly bits?: number };

/** EC P-256: the default everywhere, because it is fast to generate. */
export const DEFAULT_KEY: KeySpec = { type: 'ec', curve: 'P-256' };

/** A new private key as `openssl genpkey` writes it (unencrypted PKCS#8 PEM). */
export function generatePrivateKey(spec: KeySpec = DEFAULT_KEY): string {
  const option =
    spec.type === 'ec'
      ? ['-algorithm', 'EC', '-pkeyopt', `ec_paramgen_curve:${spec.curve ?? 'P-256'}`]
      : ['-algorithm', 'RSA', '-pkeyopt', `rsa_keygen_bits:${spec.bits ?? 2048}`];
  return openssl(tmpdir(), ['genpkey', ...option]).toString('utf8');
}

/** The SPKI public key PEM of a private key, as `openssl pkey -pubout` prints it. */
export function publicKeyPem(privateKeyPem: string): string {
  return openssl(tmpdir(), ['pkey', '-pubout'], privateKeyPem).toString('utf8');
}

/** A private key as `openssl pkey` prints it (PKCS#8 PEM). */
export function privateKeyPem(keyPem: string): string {
  return openssl(tmpdir(), ['pkey'], keyPem).toString('utf8');
}
