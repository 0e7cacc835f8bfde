/**
 * Size limits checked before any JSON or YAML parse. Parsing allocates many times its input (a
 * double-quoted YAML scalar ~40×, a JSON-form `objects` list of small items ~60×), and under the
 * Helm chart's 64 MiB V8 heap an oversized input would abort the daemon and every mount in flight.
 * Each limit is far above what a valid SecretProviderClass needs and well below where a 64 MiB
 * daemon breaks (README "Limits" has the measurements).
 */

/** The Mount request's `attributes` JSON, in UTF-8 bytes. */
export const MAX_ATTRIBUTES_BYTES = 2 * 1024 * 1024;

/**
 * The Mount request's `secrets` JSON (the nodePublishSecretRef data), in UTF-8 bytes. A
 * Kubernetes Secret holds at most 1 MiB.
 */
export const MAX_SECRETS_BYTES = 2 * 1024 * 1024;

/** The trimmed `objects` parameter, in UTF-8 bytes. */
export const MAX_OBJECTS_BYTES = 512 * 1024;

/** One item of the `objects` array (one object's YAML document), in UTF-8 bytes. */
export const MAX_OBJECT_BYTES = 64 * 1024;

/**
 * Default cap on the objects of one mount (`--max-mount-objects` of the daemon). Real classes hold a
 * handful; the 1,000-object benchmark class fits. Each object is at least one Key Vault request and
 * one file, so the count bounds a mount's work before any network call.
 */
export const DEFAULT_MAX_MOUNT_OBJECTS = 1000;

/**
 * YAML lexemes (tokens) parsed per mount, for `maxObjects` objects: `LEXEMES_PER_OBJECT ×
 * maxObjects + LEXEMES_BASE` across the `objects` text and every object that needs the full YAML
 * decoder. Parsing time and memory grow with lexemes, not bytes: 512 KiB of `x:\n  - |\n` is
 * 640,000 lexemes and took 1.3 s and more than a 64 MiB heap. A valid object costs 3–20 (block
 * form ~7, JSON form ~3, plus ~10 when quoted values send it through the YAML decoder).
 */
export const LEXEMES_PER_OBJECT = 16;
export const LEXEMES_BASE = 1024;

/** The lexeme budget of a mount allowed `maxObjects` objects. */
export function maxLexemesFor(maxObjects: number): number {
  return LEXEMES_PER_OBJECT * maxObjects + LEXEMES_BASE;
}

/** Highest `objectVersionHistory` accepted: each version is one more Key Vault request and file. */
export const MAX_OBJECT_VERSION_HISTORY = 100;

/** The trimmed `templates` parameter (extensions.md §8), in UTF-8 bytes. */
export const MAX_TEMPLATES_BYTES = 256 * 1024;

/** One item of the `templates` array (its YAML document, template text included), in UTF-8 bytes. */
export const MAX_TEMPLATE_BYTES = 64 * 1024;

/**
 * UTF-8 length without copying the string, as Go's `len(string)` (a lone surrogate counts as 3
 * bytes, as it is sent). The one definition for every byte limit and length check of this package.
 */
export function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** `"<actual> bytes, over the limit of <limit> bytes (<n> KiB)"`; never the content. */
export function overLimit(actualBytes: number, limitBytes: number): string {
  const unit = limitBytes >= 1024 * 1024 ? `${limitBytes / (1024 * 1024)} MiB` : `${limitBytes / 1024} KiB`;
  return `${actualBytes} bytes, over the limit of ${limitBytes} bytes (${unit})`;
}
