import { describe, expect, it } from 'vitest';
import { object } from '../test/helpers.js';
import { KeyVaultObjectError, MountFetchError } from './errors.js';

const notFound = (name: string) => ({
  object: object({ objectName: name }),
  error: new KeyVaultObjectError(`404 SecretNotFound: A secret with (name/id) ${name} was not found`, {
    code: 'NOT_FOUND',
    kind: 'not_found',
    statusCode: 404,
    keyVaultCode: 'SecretNotFound',
  }),
});

describe('MountFetchError', () => {
  it('wraps each failure like the reference and joins them with "; "', () => {
    const error = new MountFetchError([
      notFound('a'),
      { ...notFound('b'), object: object({ objectName: 'b', objectType: 'key', objectVersion: 'v1' }) },
    ]);
    expect(error.message).toBe(
      'failed to get objectType:secret, objectName:a, objectVersion:: 404 SecretNotFound: A secret with (name/id) a was not found; ' +
        'failed to get objectType:key, objectName:b, objectVersion:v1: 404 SecretNotFound: A secret with (name/id) b was not found',
    );
    expect(error.code).toBe('FETCH_FAILED');
    expect(error.failures).toHaveLength(2);
  });

  it('lists the first 20 and counts the rest', () => {
    const error = new MountFetchError(Array.from({ length: 21 }, (_, i) => notFound(`s${i}`)));
    const parts = error.message.split('; ');
    expect(parts).toHaveLength(21);
    expect(parts[20]).toBe('and 1 more');
    expect(error.failures).toHaveLength(21);
  });
});
