import type { KeyVaultObject } from '../key-vault-object.js';
import { ConversionError } from './conversion-error.js';
import { decodeObjectEncoding } from './object-encoding.js';
import type { MetadataProperties } from './object-metadata.js';
import { encodePem } from './pem.js';
import { pfxToPem } from './pfx-to-pem.js';
import { type KeyVaultJsonWebKey, publicKeyPem } from './public-key-pem.js';
import { splitCertAndKey } from './split-cert-and-key.js';

/** One file of an object before the path is decided: `suffix` is `.crt`, `.key` or `''` (the main file). */
export interface ContentFile {
  readonly suffix: '' | '.crt' | '.key';
  readonly contents: Uint8Array;
}

export interface ObjectContent {
  /** `.crt`, `.key`, then the main file. */
  readonly files: ContentFile[];
  /** Version id of what was fetched (last segment of its identifier). */
  readonly version: string;
  /** False when a PFX chain could not be completed and the stored order was kept. */
  readonly chainComplete: boolean;
  /** The SDK properties of what was fetched (for `metadata`, extensions.md §5). */
  readonly properties?: MetadataProperties;
}

export interface ConversionOptions {
  readonly constructPemChain: boolean;
  readonly writeCertAndKeyInSeparateFiles: boolean;
}

/** The fields of an SDK `KeyVaultSecret` the conversion reads. */
export interface SecretBundle {
  readonly value?: string;
  readonly properties: {
    readonly id?: string;
    readonly version?: string;
    readonly contentType?: string;
    readonly certificateKeyId?: string;
  };
}

export interface KeyBundle {
  readonly key?: KeyVaultJsonWebKey & { readonly kid?: string };
  readonly properties: { readonly version?: string };
}

export interface CertificateBundle {
  readonly cer?: Uint8Array;
  readonly properties: { readonly id?: string; readonly version?: string };
}

const PEM_FILE = 'application/x-pem-file';
const PKCS12 = 'application/x-pkcs12';

/** docs/object-outputs.md §2: plain and certificate-backed secrets, with split files and `objectEncoding`. */
export function secretContent(
  secret: SecretBundle,
  object: KeyVaultObject,
  options: ConversionOptions,
): ObjectContent {
  const value = secret.value;
  if (value === undefined || value === null) throw new ConversionError('secret value is nil');
  if (!secret.properties.id) throw new ConversionError('secret id is nil');
  const version = secret.properties.version ?? '';
  const encode = (text: string): Uint8Array => decodeObjectEncoding(text, object.objectEncoding);
  if (!secret.properties.certificateKeyId) {
    if (object.objectFormat === 'pem-key' || object.objectFormat === 'pem-cert') {
      throw new ConversionError(
        `objectFormat ${object.objectFormat} needs a certificate-backed secret, ${object.objectName} is a plain secret`,
      );
    }
    return { files: [{ suffix: '', contents: encode(value) }], version, chainComplete: true };
  }
  const contentType = secret.properties.contentType ?? '';
  const part =
    object.objectFormat === 'pem-key' || object.objectFormat === 'pem-cert' ? object.objectFormat : undefined;
  let content: string;
  let chainComplete = true;
  if (contentType === PEM_FILE) {
    content = value;
  } else if (contentType === PKCS12) {
    if (object.objectFormat === 'pfx') {
      return { files: [{ suffix: '', contents: encode(value) }], version, chainComplete };
    }
    const converted = pfxToPem(value, { constructPemChain: options.constructPemChain });
    content = converted.pem;
    chainComplete = converted.chainComplete;
  } else {
    throw new ConversionError(`failed to get certificate. unknown content type '${contentType}'`);
  }
  if (part !== undefined) {
    // extensions.md §4: one part of the PEM; --write-cert-and-key-in-separate-files does not apply.
    const split = splitCertAndKey(content);
    const chosen = part === 'pem-key' ? split.keys : split.certificates;
    return { files: [{ suffix: '', contents: encode(chosen) }], version, chainComplete };
  }
  const files: ContentFile[] = [];
  if (options.writeCertAndKeyInSeparateFiles && object.objectFormat !== 'pfx') {
    const split = splitCertAndKey(content);
    files.push({ suffix: '.crt', contents: encode(split.certificates) });
    files.push({ suffix: '.key', contents: encode(split.keys) });
  }
  files.push({ suffix: '', contents: encode(content) });
  return { files, version, chainComplete };
}

/** docs/object-outputs.md §4: the public key as SPKI PEM. */
export function keyContent(key: KeyBundle): ObjectContent {
  if (!key.key) throw new ConversionError('key value is nil');
  if (!key.key.kid) throw new ConversionError('key id is nil');
  const pem = publicKeyPem(key.key);
  return {
    files: [{ suffix: '', contents: Buffer.from(pem, 'utf8') }],
    version: key.properties.version ?? '',
    chainComplete: true,
  };
}

/** docs/object-outputs.md §5: the leaf `cer` bytes as one CERTIFICATE block, not parsed. */
export function certificateContent(certificate: CertificateBundle): ObjectContent {
  if (!certificate.cer) throw new ConversionError('certificate value is nil');
  if (!certificate.properties.id) throw new ConversionError('certificate id is nil');
  const pem = encodePem('CERTIFICATE', certificate.cer);
  return {
    files: [{ suffix: '', contents: Buffer.from(pem, 'utf8') }],
    version: certificate.properties.version ?? '',
    chainComplete: true,
  };
}
