import type { CertificateBundle, KeyBundle, SecretBundle } from './object-content.js';
import type { ListedVersion } from './select-versions.js';

/**
 * The fields of each Key Vault answer that the conversions read, copied out of the SDK's objects.
 * Conversions run on these (never on the SDK objects), so an answer from the content cache goes
 * through exactly the same code as a fresh one, and a cached entry holds only what a mount needs.
 * The byte estimates bound the cache; they count UTF-16 for strings, the upper bound V8 may use.
 */

const FIELD_BYTES = 32;

const textBytes = (text: string | undefined): number => (text === undefined ? 0 : text.length * 2);
const binaryBytes = (bytes: Uint8Array | undefined): number => bytes?.byteLength ?? 0;
/** Small decoded buffers may be views into Node's shared 8 KiB pool: keep only the bytes themselves. */
const own = (bytes: Uint8Array | undefined): Uint8Array | undefined =>
  bytes === undefined || bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();

export function toSecretBundle(secret: SecretBundle): SecretBundle {
  const { id, version, contentType, certificateKeyId } = secret.properties;
  return { value: secret.value, properties: { id, version, contentType, certificateKeyId } };
}

export function secretBundleBytes(secret: SecretBundle): number {
  const p = secret.properties;
  return (
    textBytes(secret.value) +
    textBytes(p.id) +
    textBytes(p.version) +
    textBytes(p.contentType) +
    textBytes(p.certificateKeyId) +
    5 * FIELD_BYTES
  );
}

export function toKeyBundle(key: KeyBundle): KeyBundle {
  const jwk = key.key;
  return {
    key: jwk && {
      kid: jwk.kid,
      kty: jwk.kty,
      crv: jwk.crv,
      n: own(jwk.n),
      e: own(jwk.e),
      x: own(jwk.x),
      y: own(jwk.y),
    },
    properties: { version: key.properties.version },
  };
}

export function keyBundleBytes(key: KeyBundle): number {
  const jwk = key.key;
  const members = jwk
    ? textBytes(jwk.kid) +
      textBytes(jwk.kty) +
      textBytes(jwk.crv) +
      binaryBytes(jwk.n) +
      binaryBytes(jwk.e) +
      binaryBytes(jwk.x) +
      binaryBytes(jwk.y)
    : 0;
  return members + textBytes(key.properties.version) + 8 * FIELD_BYTES;
}

export function toCertificateBundle(certificate: CertificateBundle): CertificateBundle {
  const { id, version } = certificate.properties;
  return { cer: own(certificate.cer), properties: { id, version } };
}

export function certificateBundleBytes(certificate: CertificateBundle): number {
  const p = certificate.properties;
  return binaryBytes(certificate.cer) + textBytes(p.id) + textBytes(p.version) + 3 * FIELD_BYTES;
}

export function versionListBytes(listed: readonly ListedVersion[]): number {
  let bytes = 0;
  for (const entry of listed) bytes += textBytes(entry.version) + 3 * FIELD_BYTES;
  return bytes;
}
