import type { DiagnosticCode, DiagnosticSeverity } from '../diagnostic.js';
import type { ObjectTextField } from '../object-fields.js';
import { echo } from './echo.js';

/** One finding, located by its offset in the analysed `objects` text. */
export interface ObjectIssue {
  readonly severity: DiagnosticSeverity;
  readonly code: DiagnosticCode;
  /** Single-line text (lint); for errors the mount text of that one problem. */
  readonly message: string;
  readonly offset: number;
  readonly objectIndex?: number;
}

/** Collects a finding; `mountMessage` replaces the text the mount fails with (first error only). */
export type Report = (issue: ObjectIssue, mountMessage?: string) => void;

/**
 * The reference's per-object wrap; an object with its own `keyvaultName` (extensions.md §2) also
 * names its vault.
 */
export function wrapObject(fields: Readonly<Record<ObjectTextField, string>>, cause: string): string {
  const vault = fields.keyvaultName === '' ? '' : `, keyvaultName:${echo(fields.keyvaultName)}`;
  return `failed to get objectType:${echo(fields.objectType)}, objectName:${echo(fields.objectName)}, objectVersion:${echo(fields.objectVersion)}${vault}: ${cause}`;
}
