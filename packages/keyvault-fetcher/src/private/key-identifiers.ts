import forge from 'node-forge';

const SUBJECT_KEY_IDENTIFIER = '2.5.29.14';
const AUTHORITY_KEY_IDENTIFIER = '2.5.29.35';

export interface KeyIdentifiers {
  /** Hex of the SubjectKeyIdentifier, undefined when absent. */
  readonly subjectKeyId: string | undefined;
  /** Hex of the AuthorityKeyIdentifier's keyIdentifier, undefined when absent. */
  readonly authorityKeyId: string | undefined;
}

type Asn1 = forge.asn1.Asn1;

function children(node: Asn1 | undefined): Asn1[] {
  return Array.isArray(node?.value) ? (node.value as Asn1[]) : [];
}

function bytesOf(node: Asn1 | undefined): string | undefined {
  return typeof node?.value === 'string' ? node.value : undefined;
}

function hex(binary: string): string {
  return Buffer.from(binary, 'latin1').toString('hex');
}

/**
 * SKI and AKI keyIdentifier of a DER certificate. Node 20's X509Certificate does not expose them;
 * this reads the extensions with node-forge's ASN.1 parser (which, unlike @peculiar/x509, needs no
 * global Reflect polyfill). The certificate is assumed parsable (checked by the caller).
 */
export function readKeyIdentifiers(der: Uint8Array): KeyIdentifiers {
  const certificate = forge.asn1.fromDer(Buffer.from(der).toString('latin1'));
  const tbs = children(certificate)[0];
  const extensionsWrapper = children(tbs).find(
    (node) => node.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC && node.type === 3,
  );
  let subjectKeyId: string | undefined;
  let authorityKeyId: string | undefined;
  for (const extension of children(children(extensionsWrapper)[0])) {
    const parts = children(extension);
    const oidBytes = bytesOf(parts[0]);
    if (oidBytes === undefined) continue;
    const oid = forge.asn1.derToOid(oidBytes);
    const value = bytesOf(parts.at(-1));
    if (value === undefined) continue;
    if (oid === SUBJECT_KEY_IDENTIFIER) {
      const keyId = bytesOf(forge.asn1.fromDer(value));
      if (keyId) subjectKeyId = hex(keyId);
    } else if (oid === AUTHORITY_KEY_IDENTIFIER) {
      const keyIdentifier = children(forge.asn1.fromDer(value)).find(
        (node) => node.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC && node.type === 0,
      );
      const keyId = bytesOf(keyIdentifier);
      if (keyId) authorityKeyId = hex(keyId);
    }
  }
  return { subjectKeyId, authorityKeyId };
}
