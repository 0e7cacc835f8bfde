import { utf8Length } from './input-limits.js';
import type { CloudEnvironment } from './mount-plan.js';
import { echo } from './private/echo.js';
import { goQuote } from './private/go-text.js';
import { SpcError } from './spc-error.js';

const VAULT_NAME_CHARACTERS = /^[-A-Za-z0-9]+$/;

/**
 * Step 16: the reference's vault-name rule (3–24 bytes of `[-A-Za-z0-9]`). Throws `SpcError`
 * `failed to get vault: Invalid vault name: "<name>", ...`.
 */
export function validateVaultName(name: string): void {
  const length = utf8Length(name);
  if (length < 3 || length > 24) {
    throw new SpcError(
      'INVALID_VAULT_NAME',
      `failed to get vault: Invalid vault name: ${goQuote(echo(name))}, must be between 3 and 24 chars`,
    );
  }
  if (!VAULT_NAME_CHARACTERS.test(name)) {
    throw new SpcError(
      'INVALID_VAULT_NAME',
      `failed to get vault: Invalid vault name: ${goQuote(echo(name))}, must match [-a-zA-Z0-9]{3,24}`,
    );
  }
}

/** `https://<name>.<keyVaultDnsSuffix>/` (no validation: call `validateVaultName` first). */
export function vaultUrlFor(name: string, cloud: CloudEnvironment): string {
  return `https://${name}.${cloud.keyVaultDnsSuffix}/`;
}

/**
 * Azure's rules beyond the reference's check (leading letter, trailing letter or digit, no `--`):
 * mounts do not reject these names, `lint` warns. Returns the problems found.
 */
export function azureVaultNameProblems(name: string): string[] {
  const problems: string[] = [];
  if (!/^[A-Za-z]/.test(name)) problems.push('must start with a letter');
  if (!/[A-Za-z0-9]$/.test(name)) problems.push('must end with a letter or digit');
  if (name.includes('--')) problems.push('must not contain consecutive hyphens');
  return problems;
}
