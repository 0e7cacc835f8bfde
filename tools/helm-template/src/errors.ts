/** A template uses syntax this renderer does not parse (or that Go would reject). */
export class TemplateSyntaxError extends Error {
  readonly code = 'TEMPLATE_SYNTAX';
  override readonly name = 'TemplateSyntaxError';
}

/**
 * Rendering failed: a `fail` call (as `helm template` reports it), a missing field on nil, an unknown
 * function or a value of the wrong kind.
 */
export class TemplateExecutionError extends Error {
  readonly code = 'TEMPLATE_EXECUTION';
  override readonly name = 'TemplateExecutionError';
}

/** The values do not match the chart's values.schema.json. */
export class ValuesSchemaError extends Error {
  readonly code = 'VALUES_SCHEMA';
  override readonly name = 'ValuesSchemaError';
}
