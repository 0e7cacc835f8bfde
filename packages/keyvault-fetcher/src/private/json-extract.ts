import type { JmesPathFile } from '@keyvault-csi/spc';
import { ConversionError } from './conversion-error.js';

export interface ExtractedFile {
  readonly path: string;
  readonly contents: Uint8Array;
}

/**
 * The files of `jmesPath` (extensions.md §3): the secret's bytes (after `objectEncoding`) read as
 * UTF-8 JSON, each compiled expression evaluated once. A string result is written as is, any other
 * JSON value as its compact JSON text; null or no match fails the object.
 */
export function extractJsonFiles(
  contents: Uint8Array,
  secretName: string,
  files: readonly JmesPathFile[],
): ExtractedFile[] {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(contents).toString('utf8'));
  } catch (error) {
    throw new ConversionError(`secret ${secretName} is not valid JSON: ${parserMessage(error)}`);
  }
  return files.map((file) => {
    const result = file.evaluate(json);
    if (result === null || result === undefined) {
      throw new ConversionError(
        `jmesPath ${JSON.stringify(file.path)} of secret ${secretName} matched nothing`,
      );
    }
    const text = typeof result === 'string' ? result : JSON.stringify(result);
    return { path: file.objectAlias, contents: Buffer.from(text, 'utf8') };
  });
}

/**
 * The parser's message without any part of the input: newer V8 versions quote the text around the
 * error (`Unexpected token 'x', "..." is not valid JSON`), and that text is the secret.
 */
function parserMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : '';
  if (message.startsWith('Unexpected end of JSON input')) return 'Unexpected end of JSON input';
  const position = /position (\d+)/.exec(message)?.[1];
  if (message.startsWith('Unexpected non-whitespace character'))
    return `Unexpected non-whitespace character after JSON${position ? ` at position ${position}` : ''}`;
  return `Unexpected token${position ? ` at position ${position}` : ''}`;
}
