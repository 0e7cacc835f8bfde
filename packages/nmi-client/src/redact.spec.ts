import { describe, expect, it } from 'vitest';
import { redact, redactTokens } from './redact.js';

describe('redact', () => {
  it('keeps the first and last four characters of a client id', () => {
    expect(redact('00000000-1111-2222-3333-444444444444')).toBe('0000##### REDACTED #####4444');
  });

  it('hides short values entirely', () => {
    expect(redact('abcdefgh')).toBe('##### REDACTED #####');
    expect(redact('')).toBe('##### REDACTED #####');
  });

  it('redacts JWT-shaped tokens inside text and leaves the rest', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
    expect(redactTokens(`before ${jwt} after`)).toBe('before eyJh##### REDACTED #####dXJl after');
    expect(redactTokens('no token here')).toBe('no token here');
  });

  it('redacts unsigned tokens too, with the replacement the caller gives', () => {
    const unsigned = 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.';
    expect(redactTokens(`token ${unsigned} end`, () => '[REDACTED JWT]')).toBe('token [REDACTED JWT] end');
  });
});
