import { createPrivateKey, type KeyObject } from 'node:crypto';
import forge from 'node-forge';
import { orderCertificateChain } from './certificate-chain.js';
import { ConversionError } from './conversion-error.js';
import { encodePem } from './pem.js';
import { decodeBase64Strict } from './strict-base64.js';

export interface PfxToPemOptions {
  /** Re-order certificates leaf → root (`--construct-pem-chain`, default true). */
  readonly constructPemChain: boolean;
}

export interface PfxPem {
  readonly pem: string;
  /** False when chain construction fell back to the stored order. */
  readonly chainComplete: boolean;
}

function toBinaryString(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('latin1');
}

function fromBinaryString(text: string): Uint8Array {
  return Buffer.from(text, 'latin1');
}

function derOf(value: forge.asn1.Asn1): Uint8Array {
  return fromBinaryString(forge.asn1.toDer(value).getBytes());
}

/** Tries PKCS#8, then PKCS#1, then SEC1, like the reference's key parser. */
function parsePrivateKey(der: Uint8Array): KeyObject {
  const key = Buffer.from(der);
  for (const type of ['pkcs8', 'pkcs1', 'sec1'] as const) {
    try {
      return createPrivateKey({ key, format: 'der', type });
    } catch {
      // try the next encoding
    }
  }
  throw new ConversionError('failed to parse key for type pkcs1, pkcs8 or ec');
}

function keyDer(bag: forge.pkcs12.Bag): Uint8Array {
  if (bag.key) {
    return derOf(forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(bag.key)));
  }
  // node-forge only models RSA keys; for EC (and anything else) the decrypted PrivateKeyInfo is in bag.asn1.
  return derOf(bag.asn1);
}

function certificateDer(bag: forge.pkcs12.Bag): Uint8Array {
  // bag.cert is set for RSA certificates (re-encoded from the captured TBS); others stay raw ASN.1.
  return bag.cert ? derOf(forge.pki.certificateToAsn1(bag.cert)) : derOf(bag.asn1);
}

/**
 * A base64 PFX (empty password) as PEM: every private key as PKCS#8 `PRIVATE KEY` first, then the
 * certificates (leaf → root when a full chain can be built). node-forge reads PBES2/AES as well as
 * the legacy 3DES/RC2-40 algorithms and MAC-less files, which Node's own TLS stack cannot extract.
 */
export function pfxToPem(base64Pfx: string, options: PfxToPemOptions): PfxPem {
  const bytes = decodeBase64Strict(base64Pfx);
  let pfx: forge.pkcs12.Pkcs12Pfx;
  try {
    pfx = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(toBinaryString(bytes)), true, '');
  } catch (error) {
    throw new ConversionError(`failed to decode PKCS#12: ${(error as Error).message}`);
  }
  const keys: string[] = [];
  const certificates: Uint8Array[] = [];
  for (const safeContents of pfx.safeContents) {
    for (const bag of safeContents.safeBags) {
      if (bag.type === forge.pki.oids.pkcs8ShroudedKeyBag || bag.type === forge.pki.oids.keyBag) {
        const pkcs8 = parsePrivateKey(keyDer(bag)).export({ type: 'pkcs8', format: 'der' });
        keys.push(encodePem('PRIVATE KEY', pkcs8));
      } else if (bag.type === forge.pki.oids.certBag) {
        certificates.push(certificateDer(bag));
      }
    }
  }
  let ordered = certificates;
  let chainComplete = true;
  if (options.constructPemChain) {
    const chain = orderCertificateChain(certificates);
    ordered = chain.certificates;
    chainComplete = chain.complete;
  }
  const pem = keys.join('') + ordered.map((der) => encodePem('CERTIFICATE', der)).join('');
  return { pem, chainComplete };
}
