import { credentials, Metadata } from '@grpc/grpc-js';
import { CSIDriverProviderClient } from '@keyvault-csi/csi-driver/proto';

/**
 * The service config the driver dials providers with: calls wait for the socket to be ready, and
 * UNAVAILABLE is retried (3 attempts, 1 s initial backoff, ×1.1, at most 10 s).
 */
export const DRIVER_SERVICE_CONFIG = {
  methodConfig: [
    {
      name: [{ service: 'v1alpha1.CSIDriverProvider' }],
      waitForReady: true,
      retryPolicy: {
        maxAttempts: 3,
        initialBackoff: '1s',
        maxBackoff: '10s',
        backoffMultiplier: 1.1,
        retryableStatusCodes: ['UNAVAILABLE'],
      },
    },
  ],
};

/** The driver's receive limit (`--max-call-recv-msg-size` default). */
export const DRIVER_MAX_RECEIVE_BYTES = 4 * 1024 * 1024;

/** A client for `unix:<socketPath>` dialled like the Secrets Store CSI Driver v1.6 does. */
export function connectProvider(socketPath: string): CSIDriverProviderClient {
  return new CSIDriverProviderClient(`unix:${socketPath}`, credentials.createInsecure(), {
    'grpc.service_config': JSON.stringify(DRIVER_SERVICE_CONFIG),
    'grpc.default_authority': 'localhost',
    'grpc.max_receive_message_length': DRIVER_MAX_RECEIVE_BYTES,
    'grpc.enable_retries': 1,
  });
}

/**
 * grpc-js parses `waitForReady` in a service config but applies it only from call metadata, so
 * every call carries it there too (Go's gRPC, which the driver uses, applies the service config).
 */
export function driverCallMetadata(): Metadata {
  return new Metadata({ waitForReady: true });
}
