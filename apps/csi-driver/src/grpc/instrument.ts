import { type ServerUnaryCall, type ServiceError, type sendUnaryData, status } from '@grpc/grpc-js';

/** Called once per finished unary call with the method path, the code name and the duration. */
export type CallObserver = (method: string, codeName: string, durationMs: number) => void;

const CODE_NAMES = new Map<number, string>(
  Object.entries(status)
    .filter(([, value]) => typeof value === 'number')
    .map(([name, value]) => [value as number, name]),
);

export function codeName(code: number): string {
  return CODE_NAMES.get(code) ?? 'UNKNOWN';
}

/** Wraps a unary handler so each call is observed with its final code, whatever the handler answers. */
export function instrumentUnary<Req, Res>(
  method: string,
  observe: CallObserver,
  handler: (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => void,
): (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => void {
  return (call, callback) => {
    const started = performance.now();
    handler(call, (error, value, trailer, flags) => {
      const code = error ? ((error as Partial<ServiceError>).code ?? status.UNKNOWN) : status.OK;
      observe(method, codeName(code), performance.now() - started);
      callback(error, value, trailer, flags);
    });
  };
}
