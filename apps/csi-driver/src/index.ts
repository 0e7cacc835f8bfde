export { type BuildInfo, formatVersionJson, readBuildInfo } from './build-info.js';
export { type CliInput, type CliOutput, runCli } from './cli.js';
export {
  DAEMON_FLAGS,
  type DaemonCommandLine,
  type DaemonConfig,
  type HttpListen,
  parseDaemonCommandLine,
} from './config/daemon-flags.js';
export {
  type Endpoint,
  EndpointError,
  formatEndpoint,
  grpcAddress,
  isLoopbackHost,
  parseEndpoint,
} from './config/endpoint.js';
export { Daemon, type DaemonOptions, type MountEndpoint } from './daemon.js';
export {
  FlagError,
  type FlagSpec,
  type FlagSpecs,
  type ParsedFlags,
  parseFlags,
} from './flags/flag-parser.js';
export { formatGoDuration, parseGoDuration } from './flags/go-duration.js';
export { PROVIDER_API_VERSION, RUNTIME_NAME } from './grpc/provider-service.js';
export { boundStatusMessage, MAX_STATUS_MESSAGE_BYTES, toWellFormed } from './grpc/status-message.js';
export {
  MOUNT_ERROR_PREFIX,
  MountBudgetExceededError,
  MountCancelledError,
  type MountErrorStatus,
  mountErrorStatus,
} from './mount/error-status.js';
export { mountBudgetEnd } from './mount/mount-budget.js';
export { MountService, type MountServiceOptions } from './mount/mount-service.js';
export {
  boundLogFields,
  boundLogText,
  MAX_LOG_ERROR_CHARS,
  MAX_LOG_VALUE_CHARS,
} from './observability/bounded-log.js';
export { DEFAULT_HTTP_LIMITS, type HttpLimits, MAX_HTTP_HEAD_BYTES } from './observability/http-limits.js';
export {
  type HttpHandler,
  HttpListenError,
  HttpListener,
  type HttpListenerOptions,
} from './observability/http-listener.js';
export { requestPath } from './observability/http-request.js';
export { createLogger, type Logger, type LoggerOptions } from './observability/logger.js';
export { DriverMetrics, REFERENCE_BUCKETS } from './observability/metrics.js';
export { Provider, type ProviderOptions } from './provider.js';
