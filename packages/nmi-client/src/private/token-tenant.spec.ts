import { describe, expect, it } from 'vitest';
import { tenantOfToken } from './token-tenant.js';

const jwt = (claims: unknown) =>
  `eyJhbGciOiJub25lIn0.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;

describe('tenantOfToken', () => {
  it('reads the tid claim, lower-cased', () => {
    expect(tenantOfToken(jwt({ tid: 'AAAA-bbbb', appid: 'x' }))).toBe('aaaa-bbbb');
  });

  it('gives undefined for opaque tokens, bad payloads and a missing or empty tid', () => {
    expect(tenantOfToken('opaque-token')).toBeUndefined();
    expect(tenantOfToken('a..c')).toBeUndefined();
    expect(tenantOfToken('a.%%%.c')).toBeUndefined();
    expect(tenantOfToken(jwt('just a string'))).toBeUndefined();
    expect(tenantOfToken(jwt({ appid: 'x' }))).toBeUndefined();
    expect(tenantOfToken(jwt({ tid: '' }))).toBeUndefined();
    expect(tenantOfToken(jwt({ tid: 42 }))).toBeUndefined();
  });
});
