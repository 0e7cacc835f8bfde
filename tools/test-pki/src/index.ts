export {
  CERTIFICATE_EXTENSIONS,
  type CertificateSpec,
  certificateDer,
  certificatePem,
  makeCertificates,
} from './certificates.js';
export { type Chain, type ChainKeyIdentifiers, type ChainOptions, makeChain } from './chain.js';
export { OpensslError, openssl } from './openssl.js';
export { makePfx, PFX_VARIANTS, type PfxOptions, type PfxVariant } from './pfx.js';
export {
  DEFAULT_KEY,
  type EcCurve,
  generatePrivateKey,
  type KeySpec,
  privateKeyPem,
  publicKeyPem,
} from './private-key.js';
