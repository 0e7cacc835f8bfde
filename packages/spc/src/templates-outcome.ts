import type { CompiledTemplate } from '@keyvault-csi/templates';
import type { KeyVaultObject, TemplateFile } from './mount-plan.js';
import { SpcError, type SpcErrorCode } from './spc-error.js';
import { analyzeTemplates, planPathClaims } from './templates.js';

/**
 * What parsing a `templates` text gave: the compiled templates or the first error a mount fails
 * with. Like `ObjectsOutcome` it can be cached by content and handed to many mounts (its compiled
 * templates are functions, so unlike an objects outcome it does not survive a structured clone).
 */
export type TemplatesOutcome =
  | { readonly ok: true; readonly templates: readonly TemplateFile[] }
  | { readonly ok: false; readonly code: SpcErrorCode; readonly message: string };

export interface TemplatesOutcomeOptions {
  /** `--write-cert-and-key-in-separate-files`: template files must not take `<file>.crt`/`.key` either. */
  readonly writeCertAndKeyInSeparateFiles?: boolean;
  /** Compiles one template (default `compileTemplate`; a `TemplateCache`'s `compile` to share). */
  readonly compile?: (source: string) => CompiledTemplate;
}

/**
 * The (trimmed, non-empty) `templates` text checked against the validated objects of the same
 * mount (their files, `jmesPath` files and metadata sidecars), never throwing.
 */
export function parseTemplatesOutcome(
  text: string,
  defaultFileMode: number,
  objects: readonly KeyVaultObject[],
  options: TemplatesOutcomeOptions = {},
): TemplatesOutcome {
  try {
    const claims = planPathClaims(objects, {
      splitCertAndKeyFiles: options.writeCertAndKeyInSeparateFiles ?? false,
    });
    const analysis = analyzeTemplates(text, defaultFileMode, claims, {
      firstErrorOnly: true,
      ...(options.compile ? { compile: options.compile } : {}),
    });
    const error = analysis.firstError;
    if (error) return { ok: false, code: error.code, message: error.message };
    return { ok: true, templates: Object.freeze(analysis.templates) };
  } catch {
    // Only resource exhaustion can get here (e.g. a stack overflow inside the YAML or template parser).
    return {
      ok: false,
      code: 'INPUT_TOO_COMPLEX',
      message: 'failed to parse templates: input too large or too complex',
    };
  }
}

/** The outcome's templates, or its error thrown as a new `SpcError`. */
export function templatesOfOutcome(outcome: TemplatesOutcome): readonly TemplateFile[] {
  if (!outcome.ok) throw new SpcError(outcome.code, outcome.message);
  return outcome.templates;
}
