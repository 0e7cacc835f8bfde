/**
 * The generated gRPC definitions (`@keyvault-csi/csi-driver/proto`), for clients such as
 * tools/fake-csi-driver and the end-to-end tests. Regenerate with `npm run generate -w @keyvault-csi/csi-driver`.
 */
export {
  HealthCheckRequest,
  HealthCheckResponse,
  HealthCheckResponse_ServingStatus,
  HealthClient,
  type HealthServer,
  HealthService,
} from './generated/grpc/health/v1/health.js';
export {
  CSIDriverProviderClient,
  type CSIDriverProviderServer,
  CSIDriverProviderService,
  Error as ProviderError,
  File as MountFile,
  MountRequest,
  MountResponse,
  ObjectVersion,
  VersionRequest,
  VersionResponse,
} from './generated/v1alpha1/service.js';
