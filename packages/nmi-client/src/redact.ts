const MARKER = '##### REDACTED #####';

/**
 * The redacted form used in logs for tokens and client ids: first 4 + `##### REDACTED #####` +
 * last 4 characters, as aad-pod-identity and the reference provider print them. Values shorter
 * than 12 characters are replaced entirely, so redaction never shows most of a short value.
 */
export function redact(value: string): string {
  if (value.length < 12) return MARKER;
  return `${value.slice(0, 4)}${MARKER}${value.slice(-4)}`;
}

/** A JWT: base64url JSON header and payload, then a signature that may be empty (an unsigned token). */
const JWT_LIKE = /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;

/**
 * Redacts anything shaped like a JWT inside free text (e.g. an upstream body NMI relays, an Azure AD
 * error message): each becomes `replace(token)`, by default its `redact` form. The one JWT pattern
 * of this project: the driver's other error texts use it too.
 */
export function redactTokens(text: string, replace: (token: string) => string = redact): string {
  return text.replace(JWT_LIKE, replace);
}
