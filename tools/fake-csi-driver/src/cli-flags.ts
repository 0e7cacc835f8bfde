import { parseArgs } from 'node:util';

/**
 * The fake driver's command-line flags, on node:util's parseArgs. Its own parser rather than the
 * daemon's (Go `flag` rules) because a test double takes nothing from the app but its gRPC
 * definitions (see .dependency-cruiser.cjs); `--name value` and `--name=value` are what its users type.
 */

/** A bad command line; the message is what the user sees above the usage text. */
export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
  readonly code = 'INVALID_FLAGS';
}

/** String flags with their defaults; every flag of the fake driver is one. */
export type FlagDefaults = Readonly<Record<string, string>>;

export function parseCliFlags(args: readonly string[], defaults: FlagDefaults): Map<string, string> {
  let values: Record<string, string | boolean | undefined>;
  try {
    const options = Object.fromEntries(
      Object.keys(defaults).map((name) => [name, { type: 'string' as const }]),
    );
    ({ values } = parseArgs({ args: [...args], options, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new CliUsageError((error as Error).message);
  }
  const flags = new Map<string, string>();
  for (const [name, fallback] of Object.entries(defaults)) {
    const value = values[name];
    flags.set(name, typeof value === 'string' ? value : fallback);
  }
  return flags;
}

export function requireFlags(flags: ReadonlyMap<string, string>, ...names: string[]): void {
  for (const name of names) if (flags.get(name) === '') throw new CliUsageError(`--${name} is required`);
}

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A Go-style duration as the real driver's flags take it (`2m`, `90s`, `1m30s`, `500ms`), in ms. */
export function parseDurationFlag(name: string, text: string): number {
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  const total = parts.reduce((sum, [, amount, unit]) => sum + Number(amount) * UNIT_MS[unit!]!, 0);
  if (parts.length === 0 || parts.map(([part]) => part).join('') !== text || !(total > 0)) {
    throw new CliUsageError(
      `--${name} ${JSON.stringify(text.slice(0, 40))}: expected a duration like 2m or 30s`,
    );
  }
  return total;
}
