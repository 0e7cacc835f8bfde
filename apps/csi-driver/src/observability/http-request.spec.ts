import { describe, expect, it } from 'vitest';
import { requestPath } from './http-request.js';

describe('requestPath', () => {
  it.each([
    ['/healthz', '/healthz'],
    ['/healthz?x=1', '/healthz'],
    ['/healthz#frag', '/healthz'],
    ['/healthz?%', '/healthz'],
    ['//', '//'],
    ['//%', '//%'],
    ['///', '///'],
    ['http://node:8989/healthz?a', '/healthz'],
    ['HTTPS://node/metrics', '/metrics'],
    ['http://node', '/'],
    ['http://node?x', '/'],
    ['*', '*'],
    ['node:8989', 'node:8989'],
    ['%zz', '%zz'],
    ['', ''],
  ])('%j has the path %j', (target, path) => {
    expect(requestPath(target)).toBe(path);
  });

  it('never throws and never matches a route by decoding', () => {
    expect(requestPath(undefined)).toBe('');
    expect(requestPath('/health%7A')).not.toBe('/healthz');
    const long = `/${'a'.repeat(70_000)}`;
    expect(requestPath(long)).toBe(long);
  });
});
