/**
 * A failure turning a Key Vault response into file bytes. Internal: the fetcher wraps it in a
 * KeyVaultObjectError of kind 'conversion' that names the object.
 */
export class ConversionError extends Error {
  override readonly name = 'ConversionError';
}
