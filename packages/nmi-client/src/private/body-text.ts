import { redactTokens } from '../redact.js';

export const MAX_BODY_CHARS = 500;

/**
 * NMI's error body as it appears in our messages: one line, trimmed, anything token-shaped
 * redacted, at most {@link MAX_BODY_CHARS} characters.
 */
export function describeBody(text: string): string {
  const oneLine = redactTokens(text)
    .replace(/[\r\n\t]+/g, ' ')
    .trim();
  if (oneLine.length <= MAX_BODY_CHARS) return oneLine;
  return `${oneLine.slice(0, MAX_BODY_CHARS)}… (${oneLine.length - MAX_BODY_CHARS} more characters)`;
}
