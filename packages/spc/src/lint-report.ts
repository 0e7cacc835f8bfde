import type { Diagnostic, DiagnosticCode, DiagnosticSeverity } from './diagnostic.js';

/** Version of the {@link LintReport} JSON shape; bumped only on an incompatible change. */
export const LINT_REPORT_SCHEMA_VERSION = 1;

/** One finding of `csi-driver lint --format json`. */
export interface LintReportDiagnostic {
  /** The path as given (or found under a given directory); `<stdin>` for `-`. */
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based, in UTF-16 units. */
  readonly column: number;
  readonly severity: DiagnosticSeverity;
  readonly code: DiagnosticCode;
  /** One line. */
  readonly message: string;
}

/** An input that could not be read (exit code 2). */
export interface LintReportFailure {
  readonly file: string;
  readonly message: string;
}

/** The document `csi-driver lint --format json` prints (schema in the package README). */
export interface LintReport {
  readonly schemaVersion: typeof LINT_REPORT_SCHEMA_VERSION;
  readonly diagnostics: readonly LintReportDiagnostic[];
  readonly failures: readonly LintReportFailure[];
  readonly summary: {
    /** Files read (stdin counts as one). */
    readonly files: number;
    readonly secretProviderClasses: number;
    /** Documents of other kinds, skipped. */
    readonly skippedDocuments: number;
    readonly errors: number;
    readonly warnings: number;
    /** The exit code of the run: 0 clean, 1 findings at error level, 2 usage or I/O error. */
    readonly exitCode: 0 | 1 | 2;
  };
}

/** A finding as a report entry. */
export function toReportDiagnostic(diagnostic: Diagnostic, file: string): LintReportDiagnostic {
  return {
    file,
    line: diagnostic.line,
    column: diagnostic.column,
    severity: diagnostic.severity,
    code: diagnostic.code,
    message: diagnostic.message.replace(/\r?\n\s*/g, ' '),
  };
}

/**
 * A GitHub Actions workflow command (`::error file=…,line=…,col=…,title=…::message`), which GitHub
 * shows as an annotation on the file. Values are escaped as the runner expects.
 */
export function formatGithubAnnotation(diagnostic: Diagnostic, file: string): string {
  const property = (value: string) => escapeData(value).replace(/:/g, '%3A').replace(/,/g, '%2C');
  const message = diagnostic.message.replace(/\r?\n\s*/g, ' ');
  return (
    `::${diagnostic.severity} file=${property(file)},line=${diagnostic.line},col=${diagnostic.column},` +
    `title=${property(diagnostic.code)}::${escapeData(message)}`
  );
}

function escapeData(value: string): string {
  return value.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}
