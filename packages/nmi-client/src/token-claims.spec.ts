import { describe, expect, it } from 'vitest';
import { identityClaimsOf } from './token-claims.js';

const jwt = (claims: unknown) =>
  `eyJhbGciOiJub25lIn0.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;

describe('identityClaimsOf', () => {
  it('reads tid, oid and appid, lower-cased', () => {
    expect(identityClaimsOf(jwt({ tid: 'AAAA-bbbb', oid: 'OID-1', appid: 'App-1' }))).toEqual({
      tenantId: 'aaaa-bbbb',
      objectId: 'oid-1',
      appId: 'app-1',
    });
  });

  it('takes azp when a v2 token has no appid', () => {
    expect(identityClaimsOf(jwt({ azp: 'client-2' })).appId).toBe('client-2');
    expect(identityClaimsOf(jwt({ appid: 'v1', azp: 'v2' })).appId).toBe('v1');
  });

  it('gives undefined fields for opaque tokens, bad payloads and missing, empty or non-string claims', () => {
    const none = { tenantId: undefined, objectId: undefined, appId: undefined };
    expect(identityClaimsOf('opaque-token')).toEqual(none);
    expect(identityClaimsOf('a..c')).toEqual(none);
    expect(identityClaimsOf('a.%%%.c')).toEqual(none);
    expect(identityClaimsOf(jwt('just a string'))).toEqual(none);
    expect(identityClaimsOf(jwt({ tid: '', oid: 42, appid: null }))).toEqual(none);
  });
});
