import { readFile } from 'node:fs/promises';
import { formatDiagnostic, lintSecretProviderClass } from '@keyvault-csi/spc';
import type { CliOutput } from '../cli.js';
import { FlagError } from '../flags/flag-parser.js';

/**
 * `csi-driver lint <files…>`: one `file:line:col severity message` line per finding, pointing at
 * the offending node (inside the embedded `objects` block too). Exit 1 when any file has an error
 * or cannot be read.
 */
export async function runLint(args: readonly string[], output: CliOutput): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    output.stdout('Usage: csi-driver lint <SecretProviderClass manifest.yaml>…\n');
    return 0;
  }
  const unknownFlag = args.find((arg) => arg.startsWith('-') && arg !== '-');
  if (unknownFlag !== undefined) throw new FlagError(`flag provided but not defined: ${unknownFlag}`);
  if (args.length === 0) throw new FlagError('lint needs at least one file: csi-driver lint <files…>');
  let errors = 0;
  let warnings = 0;
  for (const file of args) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      output.stdout(
        `${file}:1:1 error cannot read the file: ${(error as NodeJS.ErrnoException).code ?? String(error)}\n`,
      );
      errors += 1;
      continue;
    }
    for (const diagnostic of lintSecretProviderClass(text, { fileName: file })) {
      output.stdout(`${formatDiagnostic(diagnostic, file)}\n`);
      if (diagnostic.severity === 'error') errors += 1;
      else warnings += 1;
    }
  }
  output.stderr(`${args.length} file(s) checked: ${errors} error(s), ${warnings} warning(s)\n`);
  return errors > 0 ? 1 : 0;
}
