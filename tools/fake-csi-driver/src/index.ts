export { type CliIo, runCli } from './cli-main.js';
export { type DriverPod, driverAttributes } from './driver-attributes.js';
export { DriverMountError, type DriverMountErrorCode } from './driver-mount-error.js';
export { goCodeName } from './grpc-code-names.js';
export { type MountVolumeRequest, type MountVolumeResult, mountVolume } from './mount-volume.js';
export { connectProvider, DRIVER_MAX_RECEIVE_BYTES, DRIVER_SERVICE_CONFIG } from './provider-connection.js';
export { providerVersion } from './provider-version.js';
