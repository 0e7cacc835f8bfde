export {
  type CertificateInput,
  type ChallengeMode,
  type Collection,
  EmulatedVault,
  type KeyInput,
  type Operation,
  type Permissions,
  type SecretInput,
  type TimeInput,
  toUnixSeconds,
  VaultInputError,
  type VaultOptions,
  type VersionInput,
  type VersionOrder,
  type VersionRef,
} from './emulated-vault.js';
export type { FaultAction, FaultHandle, FaultRule } from './fault-rules.js';
export {
  applyFixture,
  type EmulatorFixture,
  type FixtureAccessPolicy,
  type FixtureCertificateVersion,
  FixtureError,
  type FixtureKeyVersion,
  type FixtureObject,
  type FixtureSecretVersion,
  type FixtureVault,
  type FixtureVersion,
  loadFixtureFile,
} from './fixture.js';
export {
  type HostHandler,
  type HostRequestInfo,
  KeyVaultEmulator,
  type KeyVaultEmulatorOptions,
} from './keyvault-emulator.js';
export { CertificateImportError } from './private/certificate-material.js';
export type { RequestFilter, RequestRecord, RequestStats } from './request-log.js';
export { type EnsureTestTlsOptions, ensureTestTls, TEST_TLS_HOSTS, type TestTls } from './test-tls.js';
