import { decodePemBlocks, encodePem } from './pem.js';

export interface CertAndKey {
  /** Every `CERTIFICATE` block, input order. */
  readonly certificates: string;
  /** Every other block, input order. */
  readonly keys: string;
}

/** The `.crt` / `.key` contents of `--write-cert-and-key-in-separate-files`: blocks re-encoded, other text dropped. */
export function splitCertAndKey(pem: string): CertAndKey {
  let certificates = '';
  let keys = '';
  for (const block of decodePemBlocks(pem)) {
    const encoded = encodePem(block.type, block.bytes, block.headers);
    if (block.type === 'CERTIFICATE') certificates += encoded;
    else keys += encoded;
  }
  return { certificates, keys };
}
