import { parseGoDuration } from './go-duration.js';

export type FlagKind = 'string' | 'bool' | 'int' | 'duration';

export interface FlagSpec {
  readonly kind: FlagKind;
  readonly usage: string;
  /** Default as the user would type it (`5s`, `true`, `8989`). */
  readonly defaultText: string;
  /** Extra validation on the converted value; returns an error text, or undefined when valid. */
  readonly validate?: (value: FlagValue) => string | undefined;
  /** Shown in `--help` only when false. */
  readonly hidden?: boolean;
}

export type FlagValue = string | boolean | number;

export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

export interface ParsedFlags {
  /** Every flag, converted (durations in milliseconds). */
  readonly values: ReadonlyMap<string, FlagValue>;
  /** Flags the user actually passed. */
  readonly given: ReadonlySet<string>;
  /** Arguments after the flags (after `--`, or the first argument that is not a flag). */
  readonly positionals: readonly string[];
}

/** A bad command line; the message is what the user sees. */
export class FlagError extends Error {
  override readonly name = 'FlagError';
  readonly code = 'INVALID_FLAGS';
}

const BOOL_TEXT: Readonly<Record<string, boolean>> = {
  '1': true,
  t: true,
  T: true,
  true: true,
  TRUE: true,
  True: true,
  '0': false,
  f: false,
  F: false,
  false: false,
  FALSE: false,
  False: false,
};

/**
 * Parses a command line with Go's `flag` package rules, which the reference binary and its manifests
 * use: one or two dashes, `--flag value` or `--flag=value`, booleans alone (`--flag`), with `=`
 * (`--flag=false`) or followed by the word `true`/`false`; parsing stops at `--` or at the first
 * non-flag argument.
 */
export function parseFlags(args: readonly string[], specs: FlagSpecs): ParsedFlags {
  const values = new Map<string, FlagValue>();
  for (const [name, spec] of Object.entries(specs)) {
    values.set(name, convert(name, spec, spec.defaultText));
  }
  const given = new Set<string>();
  let index = 0;
  while (index < args.length) {
    const arg = args[index]!;
    if (arg === '--') {
      index += 1;
      break;
    }
    if (!arg.startsWith('-') || arg === '-') break;
    const body = arg.startsWith('--') ? arg.slice(2) : arg.slice(1);
    if (body === '' || body.startsWith('-') || body.startsWith('=')) {
      throw new FlagError(`bad flag syntax: ${arg}`);
    }
    const equals = body.indexOf('=');
    const name = equals === -1 ? body : body.slice(0, equals);
    const spec = Object.hasOwn(specs, name) ? specs[name] : undefined;
    if (spec === undefined) throw new FlagError(`flag provided but not defined: -${name}`);
    let text: string;
    if (equals !== -1) {
      text = body.slice(equals + 1);
    } else if (spec.kind === 'bool') {
      // Go would leave `--flag false` as `true` and stop parsing at "false": we take the word.
      const next = args[index + 1];
      if (next === 'true' || next === 'false') {
        text = next;
        index += 1;
      } else {
        text = 'true';
      }
    } else {
      const next = args[index + 1];
      if (next === undefined) throw new FlagError(`flag needs an argument: -${name}`);
      text = next;
      index += 1;
    }
    values.set(name, convert(name, spec, text));
    given.add(name);
    index += 1;
  }
  return { values, given, positionals: args.slice(index) };
}

function convert(name: string, spec: FlagSpec, text: string): FlagValue {
  let value: FlagValue;
  switch (spec.kind) {
    case 'string':
      value = text;
      break;
    case 'bool': {
      const parsed = BOOL_TEXT[text];
      if (parsed === undefined) throw invalid(name, text, 'parse error (expected true or false)');
      value = parsed;
      break;
    }
    case 'int': {
      if (!/^[-+]?\d+$/.test(text)) throw invalid(name, text, 'parse error (expected an integer)');
      value = Number(text);
      if (!Number.isSafeInteger(value)) throw invalid(name, text, 'value out of range');
      break;
    }
    case 'duration': {
      const parsed = parseGoDuration(text);
      if (parsed === undefined) {
        throw invalid(name, text, 'parse error (expected a duration such as 500ms, 5s or 1m)');
      }
      value = parsed;
      break;
    }
  }
  const problem = spec.validate?.(value);
  if (problem !== undefined) throw invalid(name, text, problem);
  return value;
}

function invalid(name: string, text: string, reason: string): FlagError {
  return new FlagError(`invalid value ${JSON.stringify(text)} for flag -${name}: ${reason}`);
}

/** `--help` text: one line per visible flag with its default. */
export function formatUsage(command: string, specs: FlagSpecs): string {
  return [`Usage: ${command}`, '', ...formatFlagLines(specs)].join('\n') + '\n';
}

/** Two lines per visible flag: its name and type, then its usage and default. */
export function formatFlagLines(specs: FlagSpecs): string[] {
  const lines: string[] = [];
  for (const [name, spec] of Object.entries(specs)) {
    if (spec.hidden) continue;
    const dashes = name.length === 1 ? '-' : '--';
    const type = spec.kind === 'bool' ? '' : ` <${spec.kind}>`;
    lines.push(`  ${dashes}${name}${type}`);
    lines.push(`        ${spec.usage} (default ${JSON.stringify(spec.defaultText)})`);
  }
  return lines;
}

export function stringFlag(flags: ParsedFlags, name: string): string {
  return flags.values.get(name) as string;
}

export function boolFlag(flags: ParsedFlags, name: string): boolean {
  return flags.values.get(name) as boolean;
}

export function numberFlag(flags: ParsedFlags, name: string): number {
  return flags.values.get(name) as number;
}
