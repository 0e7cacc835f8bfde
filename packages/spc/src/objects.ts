import type { KeyVaultObject } from './mount-plan.js';
import { analyzeObjects, type ObjectsAnalysis } from './private/analyze-objects.js';
import { goTrimSpace } from './private/go-text.js';
import { SpcError } from './spc-error.js';

export interface ParseObjectsOptions {
  /** Mode for objects without `filePermission` (the request's `permission`); default 0o644. */
  readonly defaultFileMode?: number;
  /** `--write-cert-and-key-in-separate-files`: include `<file>.crt`/`.key` in the path checks. */
  readonly writeCertAndKeyInSeparateFiles?: boolean;
  /** Most objects accepted (default `DEFAULT_MAX_MOUNT_OBJECTS`, 1,000). */
  readonly maxObjects?: number;
}

/**
 * Parses and validates the (trimmed) `objects` parameter: steps 12–15 plus our cross-object
 * checks. Returns the objects in SecretProviderClass order; throws the first `SpcError`.
 */
export function parseObjects(objects: string, options: ParseObjectsOptions = {}): KeyVaultObject[] {
  const text = typeof objects === 'string' ? goTrimSpace(objects) : '';
  if (text === '') throw new SpcError('OBJECTS_MISSING', 'objects is not set');
  let analysis: ObjectsAnalysis;
  try {
    analysis = analyzeObjects(text, options.defaultFileMode ?? 0o644, {
      firstErrorOnly: true,
      splitCertAndKeyFiles: options.writeCertAndKeyInSeparateFiles ?? false,
      maxObjects: options.maxObjects,
    });
  } catch {
    throw new SpcError('INPUT_TOO_COMPLEX', 'failed to parse objects: input too large or too complex');
  }
  if (analysis.firstError) throw analysis.firstError;
  return analysis.objects;
}
