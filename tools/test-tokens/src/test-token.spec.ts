import { describe, expect, it } from 'vitest';
import { issueTestToken, verifyTestToken } from './test-token.js';

describe('test tokens', () => {
  const nowMs = Date.UTC(2026, 0, 1);

  it('verifies a token it issued and returns its claims', () => {
    const { token } = issueTestToken({ audience: 'https://vault.azure.net', clientId: 'c1', nowMs });
    const check = verifyTestToken(token, { nowMs });
    expect(check.ok && check.claims.appid).toBe('c1');
    expect(check.ok && check.claims.aud).toBe('https://vault.azure.net');
  });

  it('rejects a token signed with another key, a tampered payload, an expired token and junk', () => {
    const { token } = issueTestToken({ audience: 'a', clientId: 'c1', nowMs, signingKey: 'k1' });
    expect(verifyTestToken(token, { nowMs, signingKey: 'k2' })).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
    const [h, , s] = token.split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify({ appid: 'admin', exp: 9e9 })).toString('base64url')}.${s}`;
    expect(verifyTestToken(forged, { nowMs, signingKey: 'k1' }).ok).toBe(false);
    expect(verifyTestToken(token, { nowMs: nowMs + 3601_000, signingKey: 'k1' })).toEqual({
      ok: false,
      reason: 'expired',
    });
    expect(verifyTestToken('not-a-jwt')).toEqual({ ok: false, reason: 'malformed' });
  });
});
