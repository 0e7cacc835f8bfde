import {
  type Diagnostic,
  formatDiagnostic,
  formatGithubAnnotation,
  LINT_REPORT_SCHEMA_VERSION,
  type LintReport,
  type LintReportDiagnostic,
  lintManifest,
  toReportDiagnostic,
} from '@keyvault-csi/spc';
import type { CliOutput } from './cli-io.js';
import type { LintCommandLine } from './lint-flags.js';
import { type LintInput, LintInputError, resolveLintInputs } from './lint-inputs.js';

/** Exit codes of `csi-driver lint`. */
export const LINT_EXIT = { clean: 0, findings: 1, usageOrInput: 2 } as const;

export interface LintCommandOptions {
  /** Reads all of stdin (the `-` input). */
  readonly readStdin: () => Promise<string>;
}

/**
 * `csi-driver lint`: every SecretProviderClass in the given files, directories and stdin, checked
 * as a mount would check it. Findings go to stdout in the chosen format; the summary and unreadable
 * inputs go to stderr (the JSON report carries them too). Exit 0 clean, 1 errors (warnings too with
 * --warnings-as-errors), 2 when an input could not be read.
 */
export async function runLint(
  commandLine: LintCommandLine,
  output: CliOutput,
  options: LintCommandOptions,
): Promise<number> {
  const { inputs, failures } = await resolveLintInputs(commandLine.paths, options.readStdin);
  const diagnostics: LintReportDiagnostic[] = [];
  let files = 0;
  let secretProviderClasses = 0;
  let skippedDocuments = 0;
  for (const input of inputs) {
    let text: string;
    try {
      text = await input.read();
    } catch (error) {
      failures.push(error instanceof LintInputError ? error : new LintInputError(input.name, String(error)));
      continue;
    }
    files += 1;
    const result = lintManifest(text, {
      fileName: input.name,
      noSecretProviderClass: input.explicit ? 'warning' : 'ignore',
    });
    secretProviderClasses += result.secretProviderClasses;
    skippedDocuments += result.skippedDocuments;
    for (const diagnostic of result.diagnostics) {
      diagnostics.push(toReportDiagnostic(diagnostic, input.name));
      if (commandLine.format !== 'json') output.stdout(`${formatFinding(commandLine, diagnostic, input)}\n`);
    }
  }
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.length - errors;
  const failed = errors > 0 || (commandLine.warningsAsErrors && warnings > 0);
  const exitCode =
    failures.length > 0 ? LINT_EXIT.usageOrInput : failed ? LINT_EXIT.findings : LINT_EXIT.clean;

  for (const failure of failures) output.stderr(`csi-driver lint: ${failure.message}\n`);
  if (commandLine.format === 'json') {
    const report: LintReport = {
      schemaVersion: LINT_REPORT_SCHEMA_VERSION,
      diagnostics,
      failures: failures.map((failure) => ({ file: failure.file, message: failure.message })),
      summary: { files, secretProviderClasses, skippedDocuments, errors, warnings, exitCode },
    };
    output.stdout(`${JSON.stringify(report, null, 2)}\n`);
  }
  output.stderr(
    `${plural(secretProviderClasses, 'SecretProviderClass', 'SecretProviderClasses')} checked in ` +
      `${plural(files, 'file', 'files')}` +
      (skippedDocuments > 0
        ? ` (${plural(skippedDocuments, 'other document', 'other documents')} skipped)`
        : '') +
      `: ${plural(errors, 'error', 'errors')}, ${plural(warnings, 'warning', 'warnings')}` +
      (failures.length > 0 ? `, ${plural(failures.length, 'input', 'inputs')} not read` : '') +
      '\n',
  );
  return exitCode;
}

function formatFinding(commandLine: LintCommandLine, diagnostic: Diagnostic, input: LintInput): string {
  return commandLine.format === 'github'
    ? formatGithubAnnotation(diagnostic, input.name)
    : formatDiagnostic(diagnostic, input.name);
}

function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}
