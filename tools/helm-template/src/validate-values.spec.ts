import { describe, expect, it } from 'vitest';
import { ValuesSchemaError } from './errors.js';
import { validateValues } from './validate-values.js';

const schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    linux: {
      type: 'object',
      additionalProperties: false,
      properties: { healthzPort: { type: ['integer', 'string'] } },
    },
    open: { type: 'object' },
  },
};

describe('validateValues', () => {
  it('names every misspelled key and wrong type by its path', () => {
    expect(() => validateValues({ linx: {}, linux: { healthzPort: true, podLabel: {} } }, schema)).toThrow(
      ValuesSchemaError,
    );
    try {
      validateValues({ linx: {}, linux: { healthzPort: true, podLabel: {} } }, schema);
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain('(root): Additional property linx is not allowed');
      expect(message).toContain('linux: Additional property podLabel is not allowed');
      expect(message).toContain(
        'linux.healthzPort: Invalid type. Expected: integer or string, given: boolean',
      );
    }
  });

  it('accepts what the schema allows, including anything under an open object', () => {
    expect(() =>
      validateValues({ linux: { healthzPort: 8989 }, open: { any: { thing: 1 } } }, schema),
    ).not.toThrow();
  });

  it('refuses a schema keyword it does not implement instead of ignoring it', () => {
    expect(() => validateValues({}, { type: 'object', patternProperties: {} })).toThrow(/patternProperties/);
  });
});
