import type { CSIDriverProviderClient, VersionResponse } from '@keyvault-csi/csi-driver/proto';
import { driverRpcError } from './go-grpc-messages.js';
import { driverCallMetadata } from './provider-connection.js';

/** The driver's optional provider health check: Version with a 5 s timeout. */
export function providerVersion(client: CSIDriverProviderClient, timeoutMs = 5000): Promise<VersionResponse> {
  return new Promise((resolve, reject) => {
    client.version(
      { version: 'v1alpha1' },
      driverCallMetadata(),
      { deadline: Date.now() + timeoutMs },
      (error, value) => (error ? reject(driverRpcError(error, client)) : resolve(value)),
    );
  });
}
