import type { CSIDriverProviderClient, VersionResponse } from '@keyvault-csi/csi-driver/proto';
import { DriverMountError } from './driver-mount-error.js';
import { goCodeName } from './grpc-code-names.js';
import { driverCallMetadata } from './provider-connection.js';

/** The driver's optional provider health check: Version with a 5 s timeout. */
export function providerVersion(client: CSIDriverProviderClient, timeoutMs = 5000): Promise<VersionResponse> {
  return new Promise((resolve, reject) => {
    client.version(
      { version: 'v1alpha1' },
      driverCallMetadata(),
      { deadline: Date.now() + timeoutMs },
      (error, value) =>
        error
          ? reject(
              new DriverMountError(
                'RPC_ERROR',
                `rpc error: code = ${goCodeName(error.code)} desc = ${error.details}`,
                {
                  grpcCode: error.code,
                  details: error.details,
                },
              ),
            )
          : resolve(value),
    );
  });
}
