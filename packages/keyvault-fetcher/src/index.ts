export {
  describeObjectFailure,
  KeyVaultObjectError,
  type KeyVaultObjectErrorCode,
  type KeyVaultObjectErrorKind,
  MountFetchError,
  NothingToMountError,
  type ObjectFetchFailure,
} from './errors.js';
export type { KeyVaultObject, ObjectEncoding, ObjectFormat, ObjectType } from './key-vault-object.js';
export {
  type FetchRequest,
  type FetchResult,
  KeyVaultFetcher,
  type MountFile,
  type ObjectVersion,
} from './keyvault-fetcher.js';
export type {
  ContentCacheOptions,
  FetcherEvent,
  KeyVaultClientOptions,
  KeyVaultFetcherOptions,
  KeyVaultTransport,
  MountByteBudget,
} from './options.js';
