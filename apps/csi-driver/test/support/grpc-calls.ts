import { credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import {
  CSIDriverProviderClient,
  HealthClient,
  type MountRequest,
  type MountResponse,
} from '@keyvault-csi/csi-driver/proto';

export function providerClient(socketPath: string): CSIDriverProviderClient {
  return new CSIDriverProviderClient(`unix:${socketPath}`, credentials.createInsecure());
}

export function healthClient(socketPath: string): HealthClient {
  return new HealthClient(`unix:${socketPath}`, credentials.createInsecure());
}

/** Mount with a deadline; resolves with the response or the ServiceError (never throws). */
export function mount(
  client: CSIDriverProviderClient,
  request: Partial<MountRequest>,
  timeoutMs = 20_000,
): Promise<{ response?: MountResponse; error?: ServiceError }> {
  const full: MountRequest = {
    attributes: '{}',
    secrets: 'null',
    targetPath: '/var/lib/kubelet/pods/x/volumes/kubernetes.io~csi/secrets/mount',
    permission: '420',
    currentObjectVersion: [],
    ...request,
  };
  return new Promise((resolve) => {
    client.mount(full, new Metadata(), { deadline: Date.now() + timeoutMs }, (error, response) =>
      resolve(error ? { error } : { response }),
    );
  });
}
