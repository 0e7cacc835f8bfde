/** Longest part of a request value echoed into an error message, in code points. */
export const MAX_ECHO_LENGTH = 100;

/**
 * Bounds a request value before it is echoed into a message, so a huge parameter cannot make an
 * unbounded gRPC status or log line.
 */
export function echo(value: string): string {
  if (value.length <= MAX_ECHO_LENGTH) return value;
  let count = 0;
  let end = 0;
  for (const char of value) {
    if (count === MAX_ECHO_LENGTH) return `${value.slice(0, end)}…`;
    count++;
    end += char.length;
  }
  return value;
}
