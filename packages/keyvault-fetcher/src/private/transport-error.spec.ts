import { createPipelineRequest } from '@azure/core-rest-pipeline';
import { describe, expect, it } from 'vitest';
import { bodyError, sendError } from './transport-error.js';

const streamReset = Object.assign(new Error('Stream closed with error code NGHTTP2_INTERNAL_ERROR'), {
  code: 'ERR_HTTP2_STREAM_ERROR',
});

describe('HTTP/2 failures read like their HTTP/1.1 counterparts', () => {
  it('a reset stream before the response is ECONNRESET, which the SDK retries', () => {
    const error = sendError(streamReset, createPipelineRequest({ url: 'https://kv.vault.azure.net/' }));
    expect(error.code).toBe('ECONNRESET');
    expect(error.message).toContain('NGHTTP2_INTERNAL_ERROR');
  });

  it('a stream reset mid-body is the cut-off body node:http calls aborted', () => {
    expect(bodyError(streamReset).message).toBe('Error reading response as text: aborted');
    const goaway = Object.assign(new Error('session closed'), { code: 'ERR_HTTP2_GOAWAY_SESSION' });
    expect(bodyError(goaway).message).toBe('Error reading response as text: aborted');
  });
});
