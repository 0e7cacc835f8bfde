export { type CliIo, CliUsageError, parseCliArgs, runCli } from './cli-main.js';
export {
  FakeNmi,
  type FakeNmiBinding,
  type FakeNmiCounters,
  type FakeNmiFault,
  type FakeNmiOptions,
  type FakeNmiRequest,
} from './fake-nmi.js';
export {
  EMPTY_RESOURCE_BODY,
  identityNotAssignedBody,
  MISSING_POD_HEADERS_BODY,
  NOT_FROM_HOST_BODY,
  redactLikeNmi,
  unknownClientIdBody,
} from './nmi-responses.js';
