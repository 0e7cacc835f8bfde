import type { SpcErrorCode } from './spc-error.js';

/** Findings only `lint` reports: a mount accepts these (or never sees them). */
export type LintOnlyCode =
  | 'UNKNOWN_PARAMETER'
  | 'LEGACY_PARAMETER'
  | 'KUBELET_PARAMETER'
  | 'PARAMETER_NOT_STRING'
  | 'PARAMETERS_MISSING'
  | 'UNKNOWN_OBJECT_FIELD'
  | 'OBJECT_NAME_PATTERN'
  | 'QUOTED_VERSION_HISTORY'
  | 'VAULT_NAME_AZURE_RULES'
  | 'CLIENT_ID_IGNORED'
  | 'PARAMETER_IGNORED'
  | 'TENANT_ID_CONFLICT'
  | 'CLOUD_FILE_NOT_CHECKED'
  | 'PROVIDER_MISMATCH'
  | 'UNSUPPORTED_API_VERSION'
  | 'MISSING_FIELD'
  | 'SECRET_OBJECT_NOT_MOUNTED'
  | 'SECRET_OBJECT_SPLIT_FILE'
  | 'NO_SECRET_PROVIDER_CLASS'
  | 'UNKNOWN_TEMPLATE_FIELD'
  | 'TEMPLATE_PATH_NOT_MOUNTED'
  | 'TEMPLATE_SPLIT_FILE';

export type DiagnosticCode = SpcErrorCode | LintOnlyCode;

export type DiagnosticSeverity = 'error' | 'warning';

export interface Diagnostic {
  readonly severity: DiagnosticSeverity;
  /** One line; for mount errors the exact text a mount would fail with. */
  readonly message: string;
  /** 1-based line in the manifest. */
  readonly line: number;
  /** 1-based column in the manifest (UTF-16 units). */
  readonly column: number;
  readonly code: DiagnosticCode;
}

/** `<file>:<line>:<column> <severity> <message>`, the `csi-driver lint` output line. */
export function formatDiagnostic(diagnostic: Diagnostic, fileName: string): string {
  const message = diagnostic.message.replace(/\r?\n\s*/g, ' ');
  return `${fileName}:${diagnostic.line}:${diagnostic.column} ${diagnostic.severity} ${message}`;
}
