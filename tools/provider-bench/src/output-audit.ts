/** What must never appear in the daemon's output: served secret values, bearer tokens, private keys. */
export interface AuditFinding {
  readonly kind: 'secret-value' | 'token' | 'private-key';
  /** Where in the output (character offset); the value itself is never repeated. */
  readonly offset: number;
}

const JWT = /eyJ[\w-]{4,}\.eyJ[\w-]{4,}\.[\w-]+/;
const PRIVATE_KEY = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;

/** Scans `output` for every secret value, any JWT and any private-key PEM header. */
export function auditOutput(output: string, secretValues: Iterable<string>): AuditFinding[] {
  const findings: AuditFinding[] = [];
  for (const value of secretValues) {
    const at = output.indexOf(value);
    if (at >= 0) findings.push({ kind: 'secret-value', offset: at });
  }
  const token = JWT.exec(output);
  if (token) findings.push({ kind: 'token', offset: token.index });
  const key = PRIVATE_KEY.exec(output);
  if (key) findings.push({ kind: 'private-key', offset: key.index });
  return findings;
}
