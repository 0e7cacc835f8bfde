import type { ServerUnaryCall, sendUnaryData } from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import { type MountRequest, MountResponse } from '../generated/v1alpha1/service.js';
import { codeName } from '../grpc/instrument.js';
import { boundStatusMessage } from '../grpc/status-message.js';
import { type Logger, withCaller } from '../observability/logger.js';
import type { DriverMetrics } from '../observability/metrics.js';
import { MOUNT_ERROR_PREFIX, type MountErrorStatus } from './error-status.js';
import { mountBudgetEnd } from './mount-budget.js';
import type { MountOutput, MountReport, MountService } from './mount-service.js';
import { MountBudgetExceededError, MountCancelledError } from './mount-stop-errors.js';

const ONE_MIB = 1 << 20;
/** How long after its budget a mount may still settle before we answer for it. */
const SAFETY_SLACK_MS = 2000;

/**
 * Serves Mount calls: budget, cancellation (driver gone, or the daemon's grace period over),
 * metrics, one log line per mount, and the error → status mapping. Keeps track of what is in
 * flight so a stop can wait for it or cancel it.
 */
/** The mount code and its libraries, loaded on the first Mount so an idle node never pays for them. */
export interface MountRuntime {
  readonly service: Pick<MountService, 'mount'>;
  errorStatus(error: unknown): MountErrorStatus;
}

export class MountCallHandler {
  readonly #runtime: () => Promise<MountRuntime>;
  readonly #logger: Logger;
  readonly #metrics: DriverMetrics;
  readonly #mountTimeoutMs: number;
  readonly #inFlight = new Set<AbortController>();

  constructor(options: {
    readonly runtime: () => Promise<MountRuntime>;
    readonly logger: Logger;
    readonly metrics: DriverMetrics;
    readonly mountTimeoutMs: number;
  }) {
    this.#runtime = options.runtime;
    this.#logger = withCaller(options.logger, 'mount/mount-call.ts');
    this.#metrics = options.metrics;
    this.#mountTimeoutMs = options.mountTimeoutMs;
  }

  get inFlight(): number {
    return this.#inFlight.size;
  }

  /** Ends every in-flight mount with CANCELLED (the grace period of a stop is over). */
  cancelAll(): void {
    for (const controller of this.#inFlight) {
      controller.abort(
        new MountCancelledError('the provider is stopping: mount cancelled at the end of the grace period'),
      );
    }
  }

  readonly handle = (
    call: ServerUnaryCall<MountRequest, MountResponse>,
    callback: sendUnaryData<MountResponse>,
  ): void => {
    void this.#serve(call, callback);
  };

  async #serve(call: ServerUnaryCall<MountRequest, MountResponse>, callback: sendUnaryData<MountResponse>) {
    const started = performance.now();
    const now = Date.now();
    const deadline = mountBudgetEnd(call.getDeadline(), now, this.#mountTimeoutMs);
    const controller = new AbortController();
    const onCancelled = () => controller.abort(new MountCancelledError('the driver cancelled the call'));
    call.on('cancelled', onCancelled);
    const safetyNet = setTimeout(
      () =>
        controller.abort(
          new MountBudgetExceededError(
            `the mount did not finish within its budget of ${Math.round((deadline - now) / 1000)}s`,
          ),
        ),
      Math.max(deadline - now, 0) + SAFETY_SLACK_MS,
    );
    this.#inFlight.add(controller);
    this.#metrics.mountStarted();
    const report: MountReport = {};
    let outcome = 'OK';
    let runtime: MountRuntime | undefined;
    let release: (() => void) | undefined;
    let mounting: Promise<MountOutput> | undefined;
    try {
      runtime = await this.#runtime();
      const aborted = new Promise<never>((_, reject) => {
        controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
      });
      aborted.catch(() => undefined);
      mounting = runtime.service.mount(call.request, { deadline, signal: controller.signal, report });
      const result = await Promise.race([mounting, aborted]);
      release = result.release;
      if (result.objectVersions.length === 0 || result.files.length === 0) {
        throw new Error('the fetch returned no object versions or no files');
      }
      const response = MountResponse.create({
        objectVersion: result.objectVersions.map(({ id, version }) => ({ id, version })),
        files: result.files.map((file) => ({
          path: file.path,
          mode: file.mode,
          contents: Buffer.from(file.contents.buffer, file.contents.byteOffset, file.contents.byteLength),
        })),
      });
      this.#warnOnSize(response, report);
      callback(null, response);
      this.#logMount(report, started, outcome);
    } catch (error) {
      const cause = controller.signal.aborted ? controller.signal.reason : error;
      const failure = runtime ? runtime.errorStatus(cause) : runtimeUnavailable(cause);
      outcome = codeName(failure.code);
      callback({ code: failure.code, details: failure.details });
      this.#logMount(report, started, outcome, failure.errorCode, failure.details);
    } finally {
      // The answer is serialized by now: its bytes leave the process-wide budget. A mount we
      // stopped waiting for (cancelled) releases whenever it settles.
      if (release) release();
      else
        mounting?.then(
          (late) => late.release?.(),
          () => undefined,
        );
      clearTimeout(safetyNet);
      call.off('cancelled', onCancelled);
      this.#inFlight.delete(controller);
      this.#metrics.mountFinished(outcome, report.mode);
    }
  }

  #warnOnSize(response: MountResponse, report: MountReport): void {
    const bytes = response.files.reduce((sum, file) => sum + file.contents.byteLength, 0);
    if (bytes > 4 * ONE_MIB) {
      this.#logger.warn(
        { pod: report.pod, spc: report.secretProviderClass, bytes },
        'mount response is above the driver default receive limit of 4 MiB: the driver will reject it',
      );
    } else if (bytes > ONE_MIB) {
      this.#logger.warn(
        { pod: report.pod, spc: report.secretProviderClass, bytes },
        'mount response is above 1 MiB: syncing it to a Kubernetes Secret may fail',
      );
    }
  }

  #logMount(report: MountReport, started: number, outcome: string, errorCode?: string, error?: string): void {
    const fields = {
      pod: report.pod,
      spc: report.secretProviderClass,
      objects: report.objectCount,
      mode: report.mode,
      durationMs: Math.round(performance.now() - started),
      outcome,
    };
    if (errorCode === undefined) this.#logger.info(fields, 'mount');
    // The reference's error line, which alerts and log queries look for; `err` is the status text
    // without the `failed to mount objects, error: ` wrapping, as the reference logs it.
    else {
      const err = error?.startsWith(MOUNT_ERROR_PREFIX) ? error.slice(MOUNT_ERROR_PREFIX.length) : error;
      this.#logger.error({ ...fields, errorCode, err }, 'failed to process mount request');
    }
  }
}

function runtimeUnavailable(error: unknown): MountErrorStatus {
  const text = error instanceof Error ? error.message : String(error);
  return {
    code: status.INTERNAL,
    errorCode: 'RUNTIME_UNAVAILABLE',
    details: boundStatusMessage(
      `failed to mount objects, error: internal error: cannot load the mount code: ${text}`,
    ),
  };
}
