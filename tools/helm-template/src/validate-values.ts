import { ValuesSchemaError } from './errors.js';

/** The JSON Schema keywords this validator understands; a schema using others is rejected, not half-checked. */
const known = new Set([
  '$schema',
  '$id',
  'title',
  'description',
  'type',
  'properties',
  'additionalProperties',
  'items',
  'enum',
  'required',
  'minimum',
  'maximum',
  'default',
]);

type Schema = Record<string, unknown>;

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function matchesType(value: unknown, type: string): boolean {
  const actual = typeOf(value);
  return actual === type || (type === 'number' && actual === 'integer');
}

/**
 * Validates values as Helm does before rendering (draft-07 subset: type, properties,
 * additionalProperties, items, enum, required, minimum, maximum). Throws with every violation,
 * each named by its path (`linux.podLabel`).
 */
export function validateValues(values: unknown, schema: Schema): void {
  const problems: string[] = [];
  check(values, schema, '', problems);
  if (problems.length > 0)
    throw new ValuesSchemaError(
      `values don't meet the specifications of the schema(s):\n${problems.join('\n')}`,
    );
}

function check(value: unknown, schema: Schema, at: string, problems: string[]): void {
  const where = at || '(root)';
  for (const keyword of Object.keys(schema)) {
    if (!known.has(keyword))
      throw new ValuesSchemaError(`schema keyword ${keyword} at ${where} is not supported`);
  }
  const types = schema.type === undefined ? [] : ([] as string[]).concat(schema.type as string | string[]);
  if (types.length > 0 && !types.some((t) => matchesType(value, t))) {
    problems.push(`- ${where}: Invalid type. Expected: ${types.join(' or ')}, given: ${typeOf(value)}`);
    return;
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) {
    problems.push(`- ${where}: must be one of ${JSON.stringify(schema.enum)}`);
  }
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum)
      problems.push(`- ${where}: must be >= ${schema.minimum}`);
    if (typeof schema.maximum === 'number' && value > schema.maximum)
      problems.push(`- ${where}: must be <= ${schema.maximum}`);
  }
  if (Array.isArray(value) && schema.items && typeof schema.items === 'object') {
    value.forEach((item, i) => {
      check(item, schema.items as Schema, `${at}[${i}]`, problems);
    });
  }
  if (typeOf(value) !== 'object') return;
  const object = value as Record<string, unknown>;
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  for (const name of (schema.required ?? []) as string[]) {
    if (!(name in object)) problems.push(`- ${where}: ${name} is required`);
  }
  for (const [key, item] of Object.entries(object)) {
    const path = at ? `${at}.${key}` : key;
    const property = properties[key];
    if (property) check(item, property, path, problems);
    else if (schema.additionalProperties === false)
      problems.push(`- ${where}: Additional property ${key} is not allowed`);
    else if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
      check(item, schema.additionalProperties as Schema, path, problems);
    }
  }
}
