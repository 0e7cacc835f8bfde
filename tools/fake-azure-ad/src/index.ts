export { type AadErrorAnswer, AadErrors, aadError } from './aad-errors.js';
export {
  AZURE_PUBLIC_LOGIN_HOST,
  type FakeApplication,
  FakeAzureAd,
  type FakeAzureAdOptions,
  type FakeAzureAdRequest,
  type FederatedCredential,
} from './fake-azure-ad.js';
export { FakeImds, type FakeImdsOptions, type FakeImdsRequest } from './fake-imds.js';
export {
  DEFAULT_SERVICE_ACCOUNT_ISSUER,
  issueServiceAccountToken,
  type ServiceAccountTokenOptions,
  serviceAccountSubject,
  serviceAccountTokensAttribute,
  TOKEN_EXCHANGE_AUDIENCE,
} from './service-account-token.js';
