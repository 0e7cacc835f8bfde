/** A token NMI returned, with its absolute expiry in milliseconds. */
export interface NmiToken {
  readonly accessToken: string;
  readonly clientId: string;
  readonly expiresOnMs: number;
  /** When NMI's answer was read (the client's clock): the token's age in the cache counts from here. */
  readonly receivedAtMs: number;
}

export type ParsedTokenResponse =
  | { readonly ok: true; readonly token: NmiToken }
  | { readonly ok: false; readonly problem: 'not-json' | 'missing-token-or-clientid' | 'no-expiry' };

/**
 * Parses NMI's `{"token":{...},"clientid":"..."}`. Time fields may be JSON strings (what NMI
 * sends) or numbers; `expires_on` (Unix seconds) wins, else `now + expires_in`.
 */
export function parseTokenResponse(text: string, nowMs: number): ParsedTokenResponse {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { ok: false, problem: 'not-json' };
  }
  const root = asRecord(parsed);
  const token = asRecord(root?.['token']);
  const accessToken = token?.['access_token'];
  const clientId = root?.['clientid'];
  if (
    typeof accessToken !== 'string' ||
    accessToken === '' ||
    typeof clientId !== 'string' ||
    clientId === ''
  ) {
    return { ok: false, problem: 'missing-token-or-clientid' };
  }
  const expiresOn = seconds(token?.['expires_on']);
  if (expiresOn !== undefined)
    return { ok: true, token: { accessToken, clientId, expiresOnMs: expiresOn * 1000, receivedAtMs: nowMs } };
  const expiresIn = seconds(token?.['expires_in']);
  if (expiresIn !== undefined)
    return {
      ok: true,
      token: { accessToken, clientId, expiresOnMs: nowMs + expiresIn * 1000, receivedAtMs: nowMs },
    };
  return { ok: false, problem: 'no-expiry' };
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function seconds(value: unknown): number | undefined {
  let n: number;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value)) n = Number(value);
  else return undefined;
  return Number.isFinite(n) && n > 0 ? n : undefined;
}
