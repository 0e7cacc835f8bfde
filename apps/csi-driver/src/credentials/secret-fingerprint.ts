import { createHmac, randomBytes } from 'node:crypto';

/**
 * A keyed SHA-256 (HMAC-SHA-256) of a proof of identity (client secret, service-account token) for
 * cache keys: two different proofs never share a key, and the key reveals nothing about the proof
 * — not even to an offline guess at a weak secret, because the HMAC key is random per process.
 */
export type SecretFingerprint = (proof: string) => string;

export function createSecretFingerprint(key: Uint8Array = randomBytes(32)): SecretFingerprint {
  return (proof) => createHmac('sha256', key).update(proof, 'utf8').digest('base64url');
}
