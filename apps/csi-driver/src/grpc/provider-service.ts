import type { ServerUnaryCall, sendUnaryData } from '@grpc/grpc-js';
import {
  type CSIDriverProviderServer,
  type MountRequest,
  type MountResponse,
  type VersionRequest,
  VersionResponse,
} from '../generated/v1alpha1/service.js';
import { type CallObserver, instrumentUnary } from './instrument.js';

export const PROVIDER_API_VERSION = 'v1alpha1';
export const RUNTIME_NAME = 'keyvault-csi';

export type MountCallHandler = (
  call: ServerUnaryCall<MountRequest, MountResponse>,
  callback: sendUnaryData<MountResponse>,
) => void;

/** `v1alpha1.CSIDriverProvider`: Version answers at once; Mount is delegated. */
export function createProviderServer(options: {
  readonly runtimeVersion: string;
  readonly mount: MountCallHandler;
  readonly observe: CallObserver;
}): CSIDriverProviderServer {
  const version = VersionResponse.create({
    version: PROVIDER_API_VERSION,
    runtimeName: RUNTIME_NAME,
    runtimeVersion: options.runtimeVersion,
  });
  return {
    version: instrumentUnary<VersionRequest, VersionResponse>(
      '/v1alpha1.CSIDriverProvider/Version',
      options.observe,
      (_call, callback) => callback(null, version),
    ),
    mount: instrumentUnary('/v1alpha1.CSIDriverProvider/Mount', options.observe, options.mount),
  };
}
