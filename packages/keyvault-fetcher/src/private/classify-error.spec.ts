import { describe, expect, it } from 'vitest';
import { classifyFailure, requestStatus } from './classify-error.js';
import { ConversionError } from './conversion-error.js';

const step = { operation: 'get' as const, target: 'secrets/db', vaultHost: 'kv.vault.azure.net' };
const context = (overrides: Partial<Parameters<typeof classifyFailure>[2]> = {}) => ({
  signal: new AbortController().signal,
  deadlineExceeded: false,
  budgetMs: 1000,
  isCredentialError: () => false,
  ...overrides,
});
const network = (code: string, message: string) =>
  Object.assign(new Error(message), { name: 'RestError', code });

describe('classifyFailure', () => {
  it('names DNS failures of the vault host', () => {
    const error = classifyFailure(
      network('ENOTFOUND', 'getaddrinfo ENOTFOUND kv.vault.azure.net'),
      step,
      context(),
    );
    expect(error).toMatchObject({ kind: 'transient', code: 'DNS_NOT_FOUND' });
    expect(error.message).toMatch(/^ENOTFOUND kv\.vault\.azure\.net: DNS lookup failed/);
  });

  it('reports connection errors with their code', () => {
    const error = classifyFailure(network('ECONNRESET', 'socket hang up'), step, context());
    expect(error).toMatchObject({ kind: 'transient', code: 'NETWORK_ERROR' });
    expect(error.message).toBe(
      'ECONNRESET during Key Vault get of secrets/db on kv.vault.azure.net: socket hang up',
    );
  });

  it('treats a response body cut off by the peer as a transient network error', () => {
    const cutOff = network('PARSE_ERROR', 'Error reading response as text: aborted');
    const error = classifyFailure(cutOff, step, context());
    expect(error).toMatchObject({ kind: 'transient', code: 'NETWORK_ERROR' });
    expect(error.message).toBe(
      'connection closed mid-response during Key Vault get of secrets/db on kv.vault.azure.net: Error reading response as text: aborted',
    );
    expect(requestStatus(cutOff, new AbortController().signal)).toBe('network');
    // A complete body that is not JSON has a status and stays what its status says.
    const unparsable = Object.assign(new Error('Unexpected token < in JSON'), {
      code: 'PARSE_ERROR',
      statusCode: 200,
    });
    expect(classifyFailure(unparsable, step, context()).kind).toBe('invalid');
  });

  it('prefers the credential classification, keeping the error as cause', () => {
    const cause = new Error('nmi down');
    const error = classifyFailure(cause, step, context({ isCredentialError: (e) => e === cause }));
    expect(error.kind).toBe('credential');
    expect(error.cause).toBe(cause);
  });

  it('distinguishes the deadline from the caller’s abort', () => {
    const controller = new AbortController();
    controller.abort();
    expect(
      classifyFailure(new Error('x'), step, context({ signal: controller.signal, deadlineExceeded: true }))
        .code,
    ).toBe('DEADLINE_EXCEEDED');
    expect(classifyFailure(new Error('x'), step, context({ signal: controller.signal })).code).toBe(
      'ABORTED',
    );
  });

  it('maps conversion errors and unknown errors', () => {
    expect(classifyFailure(new ConversionError('secret value is nil'), step, context())).toMatchObject({
      kind: 'conversion',
      message: 'secret value is nil',
    });
    expect(classifyFailure(new TypeError('boom'), step, context())).toMatchObject({
      kind: 'internal',
      message: 'Key Vault get of secrets/db failed: boom',
    });
  });

  it('maps other 4xx to invalid and 408 to transient', () => {
    const rest = (statusCode: number, code: string) =>
      Object.assign(new Error('m'), { statusCode, details: { error: { code, message: 'bad' } } });
    expect(classifyFailure(rest(400, 'BadParameter'), step, context())).toMatchObject({
      kind: 'invalid',
      message: '400 BadParameter: bad',
    });
    expect(classifyFailure(rest(408, 'Timeout'), step, context()).kind).toBe('transient');
  });
});

describe('requestStatus', () => {
  it('buckets outcomes for metrics', () => {
    const signal = new AbortController().signal;
    expect(requestStatus(undefined, signal)).toBe('ok');
    expect(requestStatus({ statusCode: 404 }, signal)).toBe('not_found');
    expect(requestStatus({ statusCode: 429 }, signal)).toBe('throttled');
    expect(requestStatus({ statusCode: 500 }, signal)).toBe('other');
    expect(requestStatus(network('ECONNREFUSED', 'x'), signal)).toBe('network');
    expect(requestStatus(Object.assign(new Error('a'), { name: 'AbortError' }), signal)).toBe('timeout');
  });
});
