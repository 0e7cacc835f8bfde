import { mkdir, readFile } from 'node:fs/promises';
import { setTimeout as sleepFor } from 'node:timers/promises';
import { type FileToWrite, FileWriterError, writeAtomically } from '@keyvault-csi/file-writer';
import {
  buildMountAttributes,
  parseSecretProviderClasses,
  resolveCloud,
  type SecretProviderClass,
} from '@keyvault-csi/spc';
import { readBuildInfo } from '../build-info.js';
import { FlagError } from '../flags/flag-parser.js';
import { formatGoDuration } from '../flags/go-duration.js';
import { prepareTokenProxy, type TokenProxySettings } from '../identity-binding/token-proxy-settings.js';
import { createMountRuntime } from '../mount/mount-runtime.js';
import { createLogger, type Logger } from '../observability/logger.js';
import { DriverMetrics } from '../observability/metrics.js';
import type { CliOutput } from './cli-io.js';
import type { MountCommandConfig } from './mount-flags.js';

/**
 * `csi-driver mount`: fetch a SecretProviderClass's objects for a pod and write them atomically into
 * a directory, like the driver would; with `--watch`, again every `--interval`, rewriting only on
 * change. A failed run leaves the previous files in place and (without --watch) exits 1.
 */
export async function runMountCommand(config: MountCommandConfig, output: CliOutput): Promise<number> {
  const logger = createLogger({ json: config.logFormatJson, verbosity: config.verbosity });
  const attributes = await readAttributes(config);
  try {
    resolveCloud(config.cloudName);
  } catch (error) {
    throw new FlagError(error instanceof Error ? error.message : String(error));
  }
  const build = readBuildInfo();
  const metrics = new DriverMetrics({ processMetrics: false });
  let tokenProxy: Promise<TokenProxySettings> | undefined;
  const runtime = createMountRuntime(config, {
    logger,
    metrics,
    version: build.version,
    // Only an identity-binding SecretProviderClass needs the proxy: set it up on first use.
    tokenProxy: () => {
      tokenProxy ??= prepareTokenProxy(config.tokenProxy);
      return tokenProxy;
    },
  });
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  try {
    if (!config.watch) return (await mountOnce()) ? 0 : 1;
    logger.info({ interval: formatGoDuration(config.intervalMs), target: config.targetPath }, 'watching');
    while (!stop.signal.aborted) {
      await mountOnce();
      await sleep(config.intervalMs, stop.signal);
    }
    logger.info('stopped');
    return 0;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    await runtime.close();
  }

  async function mountOnce(): Promise<boolean> {
    const started = performance.now();
    try {
      const result = await runtime.service.mount(
        { attributes, secrets: 'null', permission: String(config.permission) },
        { deadline: Date.now() + config.mountTimeoutMs, signal: stop.signal },
      );
      const files: FileToWrite[] = result.files.map((file) => ({
        path: file.path,
        mode: file.mode,
        contents: file.contents,
      }));
      let changed: boolean;
      try {
        await mkdir(config.targetPath, { recursive: true });
        changed = (await writeAtomically(config.targetPath, files)).changed;
      } catch (error) {
        throw new WriteFailure(error);
      } finally {
        // `--watch` mounts again and again: the bytes must return to the in-flight budget.
        result.release?.();
      }
      report(output, logger, config, files, changed, performance.now() - started);
      return true;
    } catch (error) {
      const message = error instanceof WriteFailure ? error.message : runtime.errorStatus(error).details;
      logger.error(
        { target: config.targetPath, durationMs: Math.round(performance.now() - started) },
        message,
      );
      return false;
    }
  }
}

/** Writing the fetched files failed: the previous files stay (file-writer swaps atomically). */
class WriteFailure extends Error {
  constructor(cause: unknown) {
    const text =
      cause instanceof FileWriterError
        ? cause.message
        : ((cause as NodeJS.ErrnoException).code ?? (cause as Error).message ?? String(cause));
    super(`failed to write the files: ${text}`, { cause });
  }
}

async function readAttributes(config: MountCommandConfig): Promise<string> {
  let text: string;
  try {
    text = await readFile(config.spcFile, 'utf8');
  } catch (error) {
    throw new FlagError(
      `cannot read --spc ${config.spcFile}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
  let classes: SecretProviderClass[];
  try {
    classes = parseSecretProviderClasses(text);
  } catch (error) {
    throw new FlagError(`${config.spcFile}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const wanted = config.secretProviderClass;
  const matching = wanted === '' ? classes : classes.filter((spc) => spc.metadata.name === wanted);
  if (matching.length !== 1) {
    const names = classes.map((spc) => spc.metadata.name).join(', ') || 'none';
    throw new FlagError(
      wanted === ''
        ? `${config.spcFile} holds ${classes.length} SecretProviderClasses (${names}): choose one with --secret-provider-class`
        : `${config.spcFile} has no SecretProviderClass named ${wanted} (found: ${names})`,
    );
  }
  const spc = matching[0]!;
  const { pod } = config;
  return buildMountAttributes(
    spc,
    {
      name: pod.name,
      namespace: pod.namespace,
      ...(pod.uid === '' ? {} : { uid: pod.uid }),
      ...(pod.serviceAccount === '' ? {} : { serviceAccountName: pod.serviceAccount }),
    },
    { secretProviderClass: spc.metadata.name, 'csi.storage.k8s.io/ephemeral': 'true' },
  );
}

function report(
  output: CliOutput,
  logger: Logger,
  config: MountCommandConfig,
  files: readonly FileToWrite[],
  changed: boolean,
  durationMs: number,
): void {
  logger.info(
    { target: config.targetPath, files: files.length, changed, durationMs: Math.round(durationMs) },
    changed ? 'files written' : 'files unchanged',
  );
  if (config.watch) return;
  for (const file of files) {
    output.stdout(
      `${file.mode.toString(8).padStart(4, '0')} ${String(file.contents.byteLength).padStart(8)} ${file.path}\n`,
    );
  }
  output.stdout(
    `${changed ? 'wrote' : 'unchanged:'} ${files.length} file(s) in ${config.targetPath} (${Math.round(durationMs)} ms)\n`,
  );
}

/** Waits `ms`, or less when `signal` aborts (then resolves: the watch loop checks the signal). */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return sleepFor(ms, undefined, { signal }).catch(() => undefined);
}
