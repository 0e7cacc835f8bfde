export type DriverMountErrorCode =
  | 'PROVIDER_NOT_FOUND'
  | 'RPC_ERROR'
  | 'PROVIDER_ERROR'
  | 'MISSING_OBJECT_VERSIONS'
  | 'FILE_WRITE_ERROR';

/** A mount the driver would fail, with the text the driver would put in the pod's FailedMount event. */
export class DriverMountError extends Error {
  override readonly name = 'DriverMountError';
  readonly code: DriverMountErrorCode;
  /** gRPC status code, for `RPC_ERROR`. */
  readonly grpcCode: number | undefined;
  /** The provider's status message, for `RPC_ERROR`. */
  readonly details: string | undefined;

  constructor(
    code: DriverMountErrorCode,
    message: string,
    options: { grpcCode?: number; details?: string; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.grpcCode = options.grpcCode;
    this.details = options.details;
  }

  /** `failed to mount secrets store objects for pod <ns>/<pod>, err: <message>` */
  eventMessage(pod: { readonly namespace: string; readonly name: string }): string {
    return `failed to mount secrets store objects for pod ${pod.namespace}/${pod.name}, err: ${this.message}`;
  }
}
