import { createHash, createPrivateKey, type JsonWebKey, type KeyObject, X509Certificate } from 'node:crypto';
import forge from 'node-forge';

/** What Key Vault derives from an imported certificate: the certificate, its managed key and secret. */
export interface CertificateMaterial {
  /** DER of the leaf certificate (`cer`). */
  readonly leafDer: Buffer;
  /** Base64url SHA-1 thumbprint of the leaf. */
  readonly x5t: string;
  /** Public JWK of the leaf's key (the managed key). */
  readonly publicJwk: JsonWebKey;
  readonly notBefore: number;
  readonly expires: number;
  /** Value of the managed secret, exactly as imported. */
  readonly secretValue: string;
  readonly secretContentType: 'application/x-pkcs12' | 'application/x-pem-file';
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

export class CertificateImportError extends Error {
  readonly code = 'CERTIFICATE_IMPORT_FAILED';
  override readonly name = 'CertificateImportError';
}

/** Parses a PFX with the given password (default empty); reads AES/PBES2 as well as legacy 3DES/RC2 files. */
export function certificateFromPfx(pfx: Uint8Array | string, password = ''): CertificateMaterial {
  const base64 = typeof pfx === 'string' ? pfx : Buffer.from(pfx).toString('base64');
  const binary = Buffer.from(base64, 'base64');
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(binary.toString('binary')), false, password);
  } catch (error) {
    throw new CertificateImportError(`cannot read the PFX: ${(error as Error).message}`);
  }
  const certs: X509Certificate[] = [];
  const keys: KeyObject[] = [];
  for (const contents of p12.safeContents) {
    for (const bag of contents.safeBags) {
      if (bag.type === forge.pki.oids['certBag']) {
        // node-forge only models RSA certificates; for EC ones the bag keeps the raw ASN.1.
        const asn1 = bag.cert ? forge.pki.certificateToAsn1(bag.cert) : bag.asn1;
        certs.push(new X509Certificate(Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary')));
      } else if (
        bag.type === forge.pki.oids['pkcs8ShroudedKeyBag'] ||
        bag.type === forge.pki.oids['keyBag']
      ) {
        const asn1 = bag.key ? forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(bag.key)) : bag.asn1;
        const der = Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary');
        keys.push(createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }));
      }
    }
  }
  return material(certs, keys, base64, 'application/x-pkcs12');
}

/** Parses PEM text holding a private key and certificates, in any order. */
export function certificateFromPem(pem: string): CertificateMaterial {
  const certs: X509Certificate[] = [];
  const keys: KeyObject[] = [];
  for (const match of pem.matchAll(PEM_BLOCK)) {
    try {
      if (match[1] === 'CERTIFICATE') certs.push(new X509Certificate(match[0]));
      else if (match[1]?.endsWith('PRIVATE KEY')) keys.push(createPrivateKey(match[0]));
    } catch (error) {
      throw new CertificateImportError(`cannot parse the PEM ${match[1]} block: ${(error as Error).message}`);
    }
  }
  return material(certs, keys, pem, 'application/x-pem-file');
}

function material(
  certs: X509Certificate[],
  keys: KeyObject[],
  secretValue: string,
  secretContentType: CertificateMaterial['secretContentType'],
): CertificateMaterial {
  if (certs.length === 0) throw new CertificateImportError('no certificate found');
  const key = keys[0];
  const leaf = (key && certs.find((c) => c.checkPrivateKey(key))) ?? certs[0]!;
  if (key && !leaf.checkPrivateKey(key)) {
    throw new CertificateImportError('the private key matches none of the certificates');
  }
  return {
    leafDer: leaf.raw,
    x5t: createHash('sha1').update(leaf.raw).digest('base64url'),
    publicJwk: leaf.publicKey.export({ format: 'jwk' }),
    notBefore: Math.floor(Date.parse(leaf.validFrom) / 1000),
    expires: Math.floor(Date.parse(leaf.validTo) / 1000),
    secretValue,
    secretContentType,
  };
}
