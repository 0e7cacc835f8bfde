import { X509Certificate } from 'node:crypto';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----\r?\n[\s\S]*?-----END CERTIFICATE-----/g;

/**
 * The certificates of a PEM bundle that parse, re-joined as PEM for `tls` `ca` options. Like Go's
 * `AppendCertsFromPEM`, blocks that are not certificates or do not parse are skipped; an empty
 * result means "no valid certificates".
 */
export function validCertificatesPem(bytes: Uint8Array): string[] {
  const text = Buffer.from(bytes).toString('latin1');
  const valid: string[] = [];
  for (const block of text.match(PEM_CERTIFICATE) ?? []) {
    try {
      new X509Certificate(block);
      valid.push(block);
    } catch {
      // Skipped, as Go does.
    }
  }
  return valid;
}

/** Go's text for a failed file operation: `open <path>: no such file or directory`. */
export function goPathError(operation: 'open' | 'read', path: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException)?.code;
  const text =
    code === undefined ? String((error as Error)?.message ?? error) : (GO_ERRNO_TEXT[code] ?? code);
  return `${operation} ${path}: ${text}`;
}

const GO_ERRNO_TEXT: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory',
  ENOTDIR: 'not a directory',
  ELOOP: 'too many levels of symbolic links',
  EMFILE: 'too many open files',
  EIO: 'input/output error',
};
