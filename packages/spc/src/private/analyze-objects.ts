import {
  DEFAULT_MAX_MOUNT_OBJECTS,
  MAX_OBJECT_BYTES,
  MAX_OBJECTS_BYTES,
  maxLexemesFor,
  overLimit,
  utf8Length,
} from '../input-limits.js';
import type { KeyVaultObject } from '../mount-plan.js';
import { SpcError, type SpcErrorCode } from '../spc-error.js';
import type { AnalyzedObject } from './analyzed-object.js';
import { type DecodedItem, decodeYamlItem } from './decode-object.js';
import { decodeSimpleItem } from './decode-simple-object.js';
import { echo } from './echo.js';
import { LexemeBudget } from './lexeme-budget.js';
import type { ObjectIssue, Report } from './object-issue.js';
import { checkPathConflicts } from './path-conflicts.js';
import { type ArrayItem, readStringArray } from './string-array.js';
import { validateObject } from './validate-object.js';
import { summarizeUnmarshalErrors } from './yaml-source.js';

export interface AnalyzeObjectsOptions {
  /** Stop at the first error (a mount needs nothing more). */
  readonly firstErrorOnly?: boolean;
  /** Most objects accepted (default `DEFAULT_MAX_MOUNT_OBJECTS`, 1,000). */
  readonly maxObjects?: number;
  /** `--write-cert-and-key-in-separate-files`: secret objects may also write `.crt`/`.key`. */
  readonly splitCertAndKeyFiles?: boolean;
}

export interface ObjectsAnalysis {
  /** Valid objects, in order (all of them when `firstError` is undefined). */
  readonly objects: KeyVaultObject[];
  readonly items: readonly AnalyzedObject[];
  readonly issues: readonly ObjectIssue[];
  /** What a mount fails with: the first error in the reference's order. */
  readonly firstError: SpcError | undefined;
}

/** Collects every finding in `text` (already trimmed); `firstError` is the mount's answer. */
export function analyzeObjects(
  text: string,
  defaultFileMode: number,
  options: AnalyzeObjectsOptions = {},
): ObjectsAnalysis {
  const issues: ObjectIssue[] = [];
  let firstError: SpcError | undefined;
  const report = (issue: ObjectIssue, mountMessage = issue.message): void => {
    issues.push(issue);
    if (issue.severity === 'error' && firstError === undefined) {
      firstError = new SpcError(issue.code as SpcErrorCode, mountMessage, { objectIndex: issue.objectIndex });
    }
  };

  // Bounded before the YAML parse (input-limits.ts): steps 13 and 14 allocate many times their input.
  const objectsBytes = utf8Length(text);
  if (objectsBytes > MAX_OBJECTS_BYTES) {
    report({
      severity: 'error',
      code: 'OBJECTS_TOO_LARGE',
      message: `objects is ${overLimit(objectsBytes, MAX_OBJECTS_BYTES)}`,
      offset: 0,
    });
    return { objects: [], items: [], issues, firstError };
  }

  // Bounded before the YAML parse too: time and memory grow with the lexeme count, not the bytes.
  const maxObjects = options.maxObjects ?? DEFAULT_MAX_MOUNT_OBJECTS;
  const lexemes = new LexemeBudget(maxLexemesFor(maxObjects), maxObjects);
  if (!lexemes.take(text)) {
    report({ severity: 'error', code: 'OBJECTS_TOO_COMPLEX', message: lexemes.message(), offset: 0 });
    return { objects: [], items: [], issues, firstError };
  }

  const outer = readStringArray(text);
  if (outer.kind === 'syntax') {
    report({
      severity: 'error',
      code: 'INVALID_OBJECTS_YAML',
      message: `failed to yaml unmarshal objects, error: yaml: line ${outer.line}: ${echo(outer.message)}`,
      offset: outer.offset,
    });
    return { objects: [], items: [], issues, firstError };
  }
  if (outer.kind === 'type') {
    const prefix = 'failed to yaml unmarshal objects, error: yaml: unmarshal errors:';
    const mountMessage = `${prefix}\n  ${summarizeUnmarshalErrors(outer.errors.map((e) => e.text)).join('\n  ')}`;
    outer.errors.forEach((error, i) => {
      report(
        {
          severity: 'error',
          code: 'INVALID_OBJECTS_YAML',
          message: `${prefix} ${error.text}`,
          offset: error.offset,
        },
        i === 0 ? mountMessage : undefined,
      );
    });
    return { objects: [], items: [], issues, firstError };
  }

  // Before decoding any object: each one is at least a Key Vault request and a file.
  if (outer.items.length > maxObjects) {
    report({
      severity: 'error',
      code: 'TOO_MANY_OBJECTS',
      message: `objects array has ${outer.items.length} entries, over the limit of ${maxObjects} objects per mount`,
      offset: outer.arrayOffset,
    });
    return { objects: [], items: [], issues, firstError };
  }

  const items: AnalyzedObject[] = [];
  for (const [index, item] of outer.items.entries()) {
    const itemBytes = utf8Length(item.text);
    if (itemBytes > MAX_OBJECT_BYTES) {
      report({
        severity: 'error',
        code: 'OBJECT_TOO_LARGE',
        message: `unmarshal failed for keyVaultObjects at index ${index}, error: object is ${overLimit(itemBytes, MAX_OBJECT_BYTES)}`,
        offset: item.offset,
        objectIndex: index,
      });
    }
    const decoded = itemBytes > MAX_OBJECT_BYTES ? undefined : decodeItem(item, index, report, lexemes);
    const analyzed = decoded && validateObject(decoded, item, index, defaultFileMode, report);
    if (analyzed) items.push(analyzed);
    // A mount needs only the first error: do not decode thousands of objects after it.
    if (options.firstErrorOnly && firstError) return { objects: [], items, issues, firstError };
  }

  const objects = items.flatMap((item) => (item.object ? [item.object] : []));
  checkPathConflicts(items, report, options.splitCertAndKeyFiles ?? false);
  if (outer.items.length === 0) {
    report({
      severity: 'error',
      code: 'OBJECTS_EMPTY',
      message: 'objects array is empty: at least one object is required',
      offset: outer.arrayOffset,
    });
  }
  return { objects, items, issues, firstError };
}

// One item: the fast path when its shape allows, else the full YAML decode.
function decodeItem(
  item: ArrayItem,
  index: number,
  report: Report,
  lexemes: LexemeBudget,
): DecodedItem | undefined {
  return decodeSimpleItem(item) ?? decodeYamlItem(item, index, report, lexemes);
}
