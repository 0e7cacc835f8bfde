import type { CertificateBundle, KeyBundle, SecretBundle } from './object-content.js';
import type { MetadataProperties } from './object-metadata.js';
import type { ListedVersion } from './select-versions.js';

/**
 * The fields of each Key Vault answer that the conversions and the metadata sidecar read, copied out
 * of the SDK's objects. Conversions run on these (never on the SDK objects), so an answer from the
 * content cache goes through exactly the same code as a fresh one, and a cached entry holds only
 * what a mount needs. The byte estimates bound the cache; they count UTF-16 for strings, the upper
 * bound V8 may use.
 */

const FIELD_BYTES = 32;

const textBytes = (text: string | undefined): number => (text === undefined ? 0 : text.length * 2);
const binaryBytes = (bytes: Uint8Array | undefined): number => bytes?.byteLength ?? 0;
/** Small decoded buffers may be views into Node's shared 8 KiB pool: keep only the bytes themselves. */
const own = (bytes: Uint8Array | undefined): Uint8Array | undefined =>
  bytes === undefined || bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();

function tagsBytes(tags: Readonly<Record<string, string>> | undefined): number {
  let bytes = 0;
  for (const [key, value] of Object.entries(tags ?? {}))
    bytes += textBytes(key) + textBytes(value) + FIELD_BYTES;
  return bytes;
}

/** What the metadata sidecar reads (extensions §5), kept for every object kind. */
function metadataOf(properties: MetadataProperties): MetadataProperties {
  const { name, version, enabled, contentType, tags, createdOn, updatedOn, notBefore, expiresOn } =
    properties;
  return { name, version, enabled, contentType, tags, createdOn, updatedOn, notBefore, expiresOn };
}

function metadataBytes(properties: MetadataProperties): number {
  return (
    textBytes(properties.name) +
    textBytes(properties.version) +
    textBytes(properties.contentType) +
    tagsBytes(properties.tags) +
    9 * FIELD_BYTES
  );
}

export type CachedSecret = SecretBundle & {
  readonly properties: SecretBundle['properties'] & MetadataProperties;
};
export type CachedKey = KeyBundle & { readonly properties: KeyBundle['properties'] & MetadataProperties };
export type CachedCertificate = CertificateBundle & {
  readonly properties: CertificateBundle['properties'] & MetadataProperties;
};

export function toSecretBundle(secret: CachedSecret): CachedSecret {
  const { id, certificateKeyId } = secret.properties;
  return { value: secret.value, properties: { ...metadataOf(secret.properties), id, certificateKeyId } };
}

export function secretBundleBytes(secret: CachedSecret): number {
  const p = secret.properties;
  return (
    textBytes(secret.value) +
    textBytes(p.id) +
    textBytes(p.certificateKeyId) +
    metadataBytes(p) +
    3 * FIELD_BYTES
  );
}

export function toKeyBundle(key: CachedKey): CachedKey {
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
    properties: metadataOf(key.properties),
  };
}

export function keyBundleBytes(key: CachedKey): number {
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
  return members + metadataBytes(key.properties) + 8 * FIELD_BYTES;
}

export function toCertificateBundle(certificate: CachedCertificate): CachedCertificate {
  return {
    cer: own(certificate.cer),
    properties: { ...metadataOf(certificate.properties), id: certificate.properties.id },
  };
}

export function certificateBundleBytes(certificate: CachedCertificate): number {
  const p = certificate.properties;
  return binaryBytes(certificate.cer) + textBytes(p.id) + metadataBytes(p) + 2 * FIELD_BYTES;
}

export function versionListBytes(listed: readonly ListedVersion[]): number {
  let bytes = 0;
  for (const entry of listed) bytes += textBytes(entry.version) + 3 * FIELD_BYTES;
  return bytes;
}

/** A wildcard's listing of the vault's secrets (names, flags, tags). */
export function listedSecretsBytes(
  listed: readonly { readonly name: string; readonly tags?: Readonly<Record<string, string>> }[],
): number {
  let bytes = 0;
  for (const entry of listed) bytes += textBytes(entry.name) + tagsBytes(entry.tags) + 4 * FIELD_BYTES;
  return bytes;
}
