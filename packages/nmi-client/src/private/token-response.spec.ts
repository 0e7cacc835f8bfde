import { describe, expect, it } from 'vitest';
import { parseTokenResponse } from './token-response.js';

describe('parseTokenResponse', () => {
  const now = 1_764_400_000_000;
  const body = (token: Record<string, unknown>, clientid: unknown = 'cid') =>
    JSON.stringify({ token: { access_token: 'tok', ...token }, clientid });

  it('reads expires_on as a string or a number, in seconds, into milliseconds', () => {
    expect(parseTokenResponse(body({ expires_on: '1764500000' }), now)).toEqual({
      ok: true,
      token: { accessToken: 'tok', clientId: 'cid', expiresOnMs: 1_764_500_000_000, receivedAtMs: now },
    });
    expect(parseTokenResponse(body({ expires_on: 1764500000 }), now)).toMatchObject({
      token: { expiresOnMs: 1_764_500_000_000 },
    });
  });

  it('falls back to now + expires_in when expires_on is unusable', () => {
    expect(parseTokenResponse(body({ expires_on: '', expires_in: '3599' }), now)).toMatchObject({
      token: { expiresOnMs: now + 3_599_000 },
    });
    expect(parseTokenResponse(body({ expires_on: 'soon', expires_in: 60 }), now)).toMatchObject({
      token: { expiresOnMs: now + 60_000 },
    });
    expect(parseTokenResponse(body({}), now)).toEqual({ ok: false, problem: 'no-expiry' });
  });

  it('rejects non-JSON and a missing token or client id', () => {
    expect(parseTokenResponse('<html>', now)).toEqual({ ok: false, problem: 'not-json' });
    expect(parseTokenResponse('[]', now)).toEqual({ ok: false, problem: 'missing-token-or-clientid' });
    expect(parseTokenResponse(body({ access_token: '', expires_on: '1' }), now)).toEqual({
      ok: false,
      problem: 'missing-token-or-clientid',
    });
    expect(parseTokenResponse(body({ expires_on: '1' }, 42), now)).toEqual({
      ok: false,
      problem: 'missing-token-or-clientid',
    });
  });
});
