interface HeaderSource {
  readonly response?: { readonly headers?: { get(name: string): string | undefined } };
}

/** Milliseconds a throttled response asks us to wait (`retry-after-ms`, `x-ms-retry-after-ms`, `Retry-After`), if any. */
export function retryAfterMs(error: unknown, now: number): number | undefined {
  const headers = (error as HeaderSource | undefined)?.response?.headers;
  if (!headers || typeof headers.get !== 'function') return undefined;
  for (const name of ['retry-after-ms', 'x-ms-retry-after-ms']) {
    const value = headers.get(name);
    if (value !== undefined && value.trim() !== '') {
      const ms = Number(value);
      if (Number.isFinite(ms) && ms >= 0) return ms;
    }
  }
  const retryAfter = headers.get('retry-after');
  if (retryAfter === undefined || retryAfter.trim() === '') return undefined;
  const seconds = Number(retryAfter);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(retryAfter);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
