export {
  DEFAULT_TEST_SIGNING_KEY,
  DEFAULT_TEST_TENANT_ID,
  type IssueTestTokenOptions,
  issueTestToken,
  objectIdForClient,
  type TestTokenCheck,
  type TestTokenClaims,
  verifyTestToken,
} from './test-token.js';
