import { type ServerWritableStream, type sendUnaryData, status } from '@grpc/grpc-js';
import {
  type HealthCheckRequest,
  HealthCheckResponse,
  HealthCheckResponse_ServingStatus,
  type HealthListRequest,
  type HealthListResponse,
  type HealthServer,
} from '../generated/grpc/health/v1/health.js';
import { type CallObserver, instrumentUnary } from './instrument.js';

/**
 * `grpc.health.v1.Health`, for our own /healthz only: Check answers SERVING for any service name
 * (it proves the gRPC server answers, nothing more); List and Watch are not supported.
 */
export function createHealthServer(observe: CallObserver): HealthServer {
  return {
    check: instrumentUnary<HealthCheckRequest, HealthCheckResponse>(
      '/grpc.health.v1.Health/Check',
      observe,
      (_call, callback) => {
        callback(null, HealthCheckResponse.create({ status: HealthCheckResponse_ServingStatus.SERVING }));
      },
    ),
    list: instrumentUnary<HealthListRequest, HealthListResponse>(
      '/grpc.health.v1.Health/List',
      observe,
      (_call, callback: sendUnaryData<HealthListResponse>) => {
        callback({ code: status.UNIMPLEMENTED, details: 'List is not supported' });
      },
    ),
    watch: (call: ServerWritableStream<HealthCheckRequest, HealthCheckResponse>) => {
      observe('/grpc.health.v1.Health/Watch', 'UNIMPLEMENTED', 0);
      call.emit('error', { code: status.UNIMPLEMENTED, details: 'Watch is not supported' });
    },
  };
}
