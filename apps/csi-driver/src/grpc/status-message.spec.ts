import { describe, expect, it } from 'vitest';
import {
  boundStatusMessage,
  MAX_STATUS_MESSAGE_BYTES,
  toWellFormed,
  truncateEchoedValue,
} from './status-message.js';

describe('status messages', () => {
  it('replaces lone surrogates and keeps pairs', () => {
    expect(toWellFormed('a\uD800b\uDC00c😀')).toBe('a\uFFFDb\uFFFDc😀');
    expect(toWellFormed('end\uD83D')).toBe('end\uFFFD');
  });

  it('leaves a short well-formed message unchanged', () => {
    const message = 'failed to mount objects, error: keyvaultName is not provided';
    expect(boundStatusMessage(message)).toBe(message);
  });

  it('bounds a 1 MB message to 4 KiB of UTF-8, cut on a character boundary', () => {
    const message = 'failed to mount objects, error: ' + 'é😀 x'.repeat(200_000);
    const bounded = boundStatusMessage(message);
    expect(Buffer.byteLength(bounded, 'utf8')).toBeLessThanOrEqual(MAX_STATUS_MESSAGE_BYTES);
    expect(bounded.startsWith('failed to mount objects, error: é😀 x')).toBe(true);
    expect(bounded.endsWith('…(message truncated)')).toBe(true);
    expect(toWellFormed(bounded)).toBe(bounded);
  });

  it('cuts one huge echoed value to about 100 characters', () => {
    const vault = 'v'.repeat(100_000);
    const bounded = boundStatusMessage(
      `failed to get vault: Invalid vault name: "${vault}", must be between 3 and 24 chars`,
    );
    expect(bounded).toContain('must be between 3 and 24 chars');
    expect(bounded.length).toBeLessThan(300);
    expect(truncateEchoedValue('short')).toBe('short');
  });
});
