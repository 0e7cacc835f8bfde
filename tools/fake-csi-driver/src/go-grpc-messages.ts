import { existsSync } from 'node:fs';
import { type Client, type ServiceError, status } from '@grpc/grpc-js';
import { DriverMountError } from './driver-mount-error.js';
import { goCodeName } from './grpc-code-names.js';

/** grpc-js's text when an answer exceeds the receive limit: `Received message larger than max (N vs M)`. */
const GRPC_JS_TOO_LARGE = /^Received message larger than max \((\d+) vs (\d+)\)$/;
/** grpc-js's text when the caller's deadline ends: `Deadline exceeded after 2.001s,…`. */
const GRPC_JS_DEADLINE = /^Deadline exceeded after /;
/** …and the call never got a connection (grpc-js adds this while it waits for ready). */
const GRPC_JS_NEVER_CONNECTED = /Waiting for LB pick/;

/**
 * The status message the driver's Go gRPC client reports for a failure its own client produced,
 * rather than one the provider sent: grpc-js words these differently. Observed with driver v1.6.1
 * (e2e/real-driver):
 *
 * - answer over the receive limit: `grpc: received message larger than max (<n> vs. <limit>)`;
 * - deadline while the call was in flight (a hung provider): `context deadline exceeded`;
 * - deadline while waiting for a connection (no provider listening):
 *   `latest balancer error: connection error: desc = "transport: Error while dialing: dial unix
 *   <socket>: connect: no such file or directory"` (`connection refused` for a socket file
 *   nobody listens on).
 *
 * Statuses the provider sent pass through unchanged.
 */
export function goStatusMessage(error: ServiceError, socketPath: string | undefined): string {
  const details = error.details;
  if (error.code === status.RESOURCE_EXHAUSTED) {
    const tooLarge = GRPC_JS_TOO_LARGE.exec(details);
    if (tooLarge) return `grpc: received message larger than max (${tooLarge[1]} vs. ${tooLarge[2]})`;
  }
  if (error.code === status.DEADLINE_EXCEEDED && GRPC_JS_DEADLINE.test(details)) {
    if (!GRPC_JS_NEVER_CONNECTED.test(details) || socketPath === undefined)
      return 'context deadline exceeded';
    const cause = existsSync(socketPath) ? 'connection refused' : 'no such file or directory';
    return `latest balancer error: connection error: desc = "transport: Error while dialing: dial unix ${socketPath}: connect: ${cause}"`;
  }
  return details;
}

/** A failed call as the driver reports it: `rpc error: code = <Go code name> desc = <Go message>`. */
export function driverRpcError(error: ServiceError, client: Client): DriverMountError {
  const details = goStatusMessage(error, unixSocketPath(client.getChannel().getTarget()));
  return new DriverMountError('RPC_ERROR', `rpc error: code = ${goCodeName(error.code)} desc = ${details}`, {
    grpcCode: error.code,
    details,
    cause: error,
  });
}

/** The socket path of a client dialled with `unix:<path>`, if it was. */
export function unixSocketPath(target: string): string | undefined {
  if (target.startsWith('unix:///')) return target.slice('unix://'.length);
  if (target.startsWith('unix:')) return target.slice('unix:'.length);
  return undefined;
}
