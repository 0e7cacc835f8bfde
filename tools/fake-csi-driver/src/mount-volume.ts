import type { CSIDriverProviderClient, MountRequest, MountResponse } from '@keyvault-csi/csi-driver/proto';
import type { FileToWrite } from '@keyvault-csi/file-writer';
import { writeLikeDriver } from './driver-file-writer.js';
import { DriverMountError } from './driver-mount-error.js';
import { driverRpcError } from './go-grpc-messages.js';
import { driverCallMetadata } from './provider-connection.js';

export interface MountVolumeRequest {
  /** From `driverAttributes`. */
  readonly attributes: string;
  /** JSON of the nodePublishSecretRef data; the v1.6 driver sends `null` without one. */
  readonly secrets?: string;
  /** The driver sends the JSON of 0644: `420`. */
  readonly permission?: string;
  /** The directory the files are written to (kubelet's volume mount path for the real driver). */
  readonly targetPath: string;
  /** kubelet's NodePublishVolume budget, about 2 minutes. */
  readonly timeoutMs?: number;
  /** Write the returned files into `targetPath` (default true). */
  readonly write?: boolean;
  /**
   * Sent as `current_object_version`. The v1.6 driver sends none; drivers up to v1.5 sent the pod's
   * current versions on rotation.
   */
  readonly currentObjectVersions?: ReadonlyMap<string, string>;
}

export interface MountVolumeResult {
  readonly response: MountResponse;
  /** Collapsed by id (last wins), as the driver stores them in SecretProviderClassPodStatus. */
  readonly objectVersions: ReadonlyMap<string, string>;
  /** False when nothing was written (no files, `write: false`, or the same content already there). */
  readonly changed: boolean;
  readonly durationMs: number;
}

/**
 * One NodePublishVolume as the driver performs it: call Mount with a deadline, then apply the
 * driver's checks in its order (gRPC error, provider error code, missing object versions), then
 * write the files as the driver's writer does (`writeLikeDriver`). Throws DriverMountError with the
 * driver's text, including for failures Go's gRPC client words differently from grpc-js.
 */
export async function mountVolume(
  client: CSIDriverProviderClient,
  request: MountVolumeRequest,
): Promise<MountVolumeResult> {
  const started = performance.now();
  const mountRequest: MountRequest = {
    attributes: request.attributes,
    secrets: request.secrets ?? 'null',
    targetPath: request.targetPath,
    permission: request.permission ?? '420',
    currentObjectVersion: [...(request.currentObjectVersions ?? [])].map(([id, version]) => ({
      id,
      version,
    })),
  };
  const response = await new Promise<MountResponse>((resolve, reject) => {
    client.mount(
      mountRequest,
      driverCallMetadata(),
      { deadline: Date.now() + (request.timeoutMs ?? 120_000) },
      (error, value) => (error ? reject(driverRpcError(error, client)) : resolve(value)),
    );
  });
  if (response.error !== undefined && response.error.code !== '') {
    throw new DriverMountError(
      'PROVIDER_ERROR',
      `mount request failed with provider error code ${response.error.code}`,
    );
  }
  if (response.objectVersion.length === 0)
    throw new DriverMountError('MISSING_OBJECT_VERSIONS', 'missing object versions');
  const objectVersions = new Map(response.objectVersion.map(({ id, version }) => [id, version]));
  let changed = false;
  if ((request.write ?? true) && response.files.length > 0) {
    const files: FileToWrite[] = response.files.map((file) => ({
      path: file.path,
      mode: file.mode,
      contents: file.contents,
    }));
    try {
      changed = (await writeLikeDriver(request.targetPath, files)).changed;
    } catch (error) {
      // The driver reports its writer's error as it is (`invalid filepath: "a/"`).
      throw new DriverMountError('FILE_WRITE_ERROR', (error as Error).message, { cause: error });
    }
  }
  return { response, objectVersions, changed, durationMs: performance.now() - started };
}
