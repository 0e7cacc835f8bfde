import { stringify } from 'yaml';
import { TemplateExecutionError } from '../errors.js';

/**
 * Go template builtins and the Sprig/Helm functions the chart uses, with Go's semantics where they
 * differ from JavaScript's (truthiness, printing, argument order of Sprig's string functions).
 * Anything not listed is an unknown function: the caller fails.
 */

/** Go's notion of an empty value, used by `if`, `with`, `and`, `or`, `not` and `default`. */
export function isTruthy(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

/** How Go's fmt prints a value into the output (Helm prints a missing value as nothing). */
export function printValue(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new TemplateExecutionError(
    `printing a ${Array.isArray(value) ? 'list' : 'map'} gives Go's map[...] syntax: use toYaml`,
  );
}

function asString(value: unknown, fn: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === undefined || value === null) return '';
  throw new TemplateExecutionError(`${fn}: expected a string, got ${typeof value}`);
}

function asInteger(value: unknown, fn: string): number {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  throw new TemplateExecutionError(`${fn}: expected an integer, got ${JSON.stringify(value)}`);
}

/** Helm's toYaml: sigs.k8s.io/yaml output (sorted keys, lists not indented under their key), no final newline. */
export function toYaml(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  return stringify(value, { sortMapEntries: true, indentSeq: false, lineWidth: 0 }).replace(/\n$/, '');
}

function indent(width: unknown, text: unknown): string {
  const pad = ' '.repeat(asInteger(width, 'indent'));
  return pad + asString(text, 'indent').replaceAll('\n', `\n${pad}`);
}

/** Go's %v / %s / %d / %q with no flags or widths (which the chart does not use). */
function sprintf(format: string, args: readonly unknown[]): string {
  let next = 0;
  return format.replace(/%([%vsdq])/g, (_, verb: string) => {
    if (verb === '%') return '%';
    if (next >= args.length) return `%!${verb}(MISSING)`;
    const arg = args[next++];
    if (verb === 'q') return JSON.stringify(asString(arg, 'printf'));
    if (verb === 'd') return String(asInteger(arg, 'printf'));
    return printValue(arg);
  });
}

export type TemplateFunction = (...args: unknown[]) => unknown;

export const functions: Readonly<Record<string, TemplateFunction>> = {
  default: (fallback, ...given) => (given.length > 0 && isTruthy(given[0]) ? given[0] : fallback),
  trunc: (count, text) => {
    const s = asString(text, 'trunc');
    const n = asInteger(count, 'trunc');
    return n >= 0 ? s.slice(0, n) : s.slice(Math.max(0, s.length + n));
  },
  trimSuffix: (suffix, text) => {
    const s = asString(text, 'trimSuffix');
    const x = asString(suffix, 'trimSuffix');
    return x && s.endsWith(x) ? s.slice(0, -x.length) : s;
  },
  contains: (needle, haystack) => asString(haystack, 'contains').includes(asString(needle, 'contains')),
  replace: (from, to, text) =>
    asString(text, 'replace').replaceAll(asString(from, 'replace'), asString(to, 'replace')),
  printf: (format, ...args) => sprintf(asString(format, 'printf'), args),
  print: (...args) => args.map((a) => printValue(a)).join(''),
  quote: (...args) =>
    args
      .filter((a) => a !== undefined && a !== null)
      .map((a) => JSON.stringify(asString(a, 'quote')))
      .join(' '),
  toYaml: (value) => toYaml(value),
  indent: (width, text) => indent(width, text),
  nindent: (width, text) => `\n${indent(width, text)}`,
  not: (value) => !isTruthy(value),
  eq: (a, ...others) => others.some((b) => a === b),
  ne: (a, b) => a !== b,
  empty: (value) => !isTruthy(value),
  hasKey: (map, key) =>
    typeof map === 'object' && map !== null && Object.hasOwn(map, asString(key, 'hasKey')),
  kindIs: (kind, value) => {
    const actual = Array.isArray(value)
      ? 'slice'
      : value === null || value === undefined
        ? 'invalid'
        : typeof value === 'object'
          ? 'map'
          : typeof value === 'number'
            ? Number.isInteger(value)
              ? 'int'
              : 'float64'
            : typeof value === 'boolean'
              ? 'bool'
              : 'string';
    return actual === kind;
  },
  toString: (value: unknown) => asString(value, 'toString'),
  fail: (message) => {
    throw new TemplateExecutionError(asString(message, 'fail'));
  },
  required: (message, value) => {
    if (value === undefined || value === null || value === '') {
      throw new TemplateExecutionError(asString(message, 'required'));
    }
    return value;
  },
};

/** `and` and `or` stop at the first deciding argument, as Go's do since 1.18: the caller evaluates lazily. */
export const shortCircuit = new Set(['and', 'or']);
