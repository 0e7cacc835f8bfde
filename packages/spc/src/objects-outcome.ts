import type { KeyVaultObject } from './mount-plan.js';
import { analyzeObjects } from './private/analyze-objects.js';
import { SpcError, type SpcErrorCode } from './spc-error.js';

/**
 * What parsing an `objects` text gave, as plain data: it survives a structured clone (a parse run
 * on a worker thread) and can be cached by content and handed to many mounts.
 */
export type ObjectsOutcome =
  | { readonly ok: true; readonly objects: readonly KeyVaultObject[] }
  | {
      readonly ok: false;
      readonly code: SpcErrorCode;
      readonly message: string;
      readonly objectIndex?: number;
    };

export interface ObjectsOutcomeOptions {
  /** Most objects accepted (default `DEFAULT_MAX_MOUNT_OBJECTS`, 1,000). */
  readonly maxObjects?: number;
  /** `--write-cert-and-key-in-separate-files`: include `<file>.crt`/`.key` in the path checks. */
  readonly writeCertAndKeyInSeparateFiles?: boolean;
}

/**
 * Steps 13–15 on the trimmed `objects` text, never throwing: the first error a mount would fail
 * with, or the validated objects.
 */
export function parseObjectsOutcome(
  text: string,
  defaultFileMode: number,
  options: ObjectsOutcomeOptions = {},
): ObjectsOutcome {
  try {
    const analysis = analyzeObjects(text, defaultFileMode, {
      firstErrorOnly: true,
      maxObjects: options.maxObjects,
      splitCertAndKeyFiles: options.writeCertAndKeyInSeparateFiles ?? false,
    });
    const error = analysis.firstError;
    if (error) {
      return error.objectIndex === undefined
        ? { ok: false, code: error.code, message: error.message }
        : { ok: false, code: error.code, message: error.message, objectIndex: error.objectIndex };
    }
    return { ok: true, objects: analysis.objects };
  } catch {
    // Only resource exhaustion can get here (e.g. a stack overflow deep inside the YAML library).
    return {
      ok: false,
      code: 'INPUT_TOO_COMPLEX',
      message: 'failed to parse objects: input too large or too complex',
    };
  }
}

/** The outcome's objects (frozen), or its error thrown as a new `SpcError`. */
export function objectsOfOutcome(outcome: ObjectsOutcome): readonly KeyVaultObject[] {
  if (!outcome.ok) {
    throw new SpcError(outcome.code, outcome.message, { objectIndex: outcome.objectIndex });
  }
  return Object.freeze(
    outcome.objects.map((object) => (Object.isFrozen(object) ? object : Object.freeze({ ...object }))),
  );
}
