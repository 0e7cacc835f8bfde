/** Longest value echoed from a request (vault names, aliases, parameter values) in a message. */
export const MAX_ECHOED_VALUE_CHARS = 100;
/** Longest status message: a longer one would not reach the driver intact. */
export const MAX_STATUS_MESSAGE_BYTES = 4096;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** `String.prototype.toWellFormed` (ES2024): grpc-js throws on a lone surrogate in a status message. */
export function toWellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, '\uFFFD');
}

/** Cuts one echoed value to about 100 characters, marking the cut. */
export function truncateEchoedValue(value: string, maxChars = MAX_ECHOED_VALUE_CHARS): string {
  if (value.length <= maxChars) return value;
  return `${value.slice(0, maxChars)}…(${value.length - maxChars} more characters)`;
}

const LONG_RUN = /\S{200,}/g;

/**
 * Makes a status message safe to send: well-formed UTF-16, any run of 200+ non-blank characters (an
 * echoed value nobody can read anyway) cut to about 100, and at most 4 KiB of UTF-8 in total, cut on
 * a character boundary with a visible marker.
 */
export function boundStatusMessage(message: string, maxBytes = MAX_STATUS_MESSAGE_BYTES): string {
  const wellFormed = toWellFormed(message).replace(LONG_RUN, (run) => truncateEchoedValue(run));
  if (Buffer.byteLength(wellFormed, 'utf8') <= maxBytes) return wellFormed;
  const marker = ' …(message truncated)';
  const budget = maxBytes - Buffer.byteLength(marker, 'utf8');
  let bytes = 0;
  let end = 0;
  for (const char of wellFormed) {
    const size = Buffer.byteLength(char, 'utf8');
    if (bytes + size > budget) break;
    bytes += size;
    end += char.length;
  }
  return wellFormed.slice(0, end) + marker;
}
