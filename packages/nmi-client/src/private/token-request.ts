import { type Dispatcher, request } from 'undici';
import type { PodRef } from '../pod-ref.js';
import { describeBody } from './body-text.js';
import { type NmiToken, parseTokenResponse } from './token-response.js';

/** Why an attempt was cut short by us rather than answered. */
export type InterruptReason = 'deadline' | 'abandoned' | 'closed';

export type AttemptFailure =
  | { readonly kind: 'status'; readonly status: number; readonly body: string }
  | { readonly kind: 'network'; readonly networkCode: string; readonly cause: unknown }
  | {
      readonly kind: 'bad-response';
      readonly problem: 'not-json' | 'missing-token-or-clientid' | 'no-expiry' | 'too-large';
      readonly bytes: number;
    };

export type AttemptOutcome =
  | { readonly kind: 'token'; readonly token: NmiToken }
  | { readonly kind: 'failed'; readonly failure: AttemptFailure }
  | { readonly kind: 'interrupted'; readonly reason: InterruptReason };

/** NMI's success body is ~2 KB; anything far larger is not an NMI answer. */
const MAX_BODY_BYTES = 256 * 1024;

export interface TokenRequest {
  readonly dispatcher: Dispatcher;
  readonly url: string;
  readonly pod: PodRef;
  /** Aborted with an {@link InterruptReason} as its reason. */
  readonly signal: AbortSignal;
  readonly now: () => number;
}

/** One GET /host/token/ to NMI. Never throws; never puts the token anywhere but the outcome. */
export async function requestToken(req: TokenRequest): Promise<AttemptOutcome> {
  try {
    const response = await request(req.url, {
      dispatcher: req.dispatcher,
      method: 'GET',
      headers: { podns: req.pod.namespace, podname: req.pod.name },
      signal: req.signal,
    });
    const { text, truncated, bytes } = await readBounded(response.body);
    if (response.statusCode !== 200) {
      return {
        kind: 'failed',
        failure: { kind: 'status', status: response.statusCode, body: describeBody(text) },
      };
    }
    if (truncated) return { kind: 'failed', failure: { kind: 'bad-response', problem: 'too-large', bytes } };
    const parsed = parseTokenResponse(text, req.now());
    if (!parsed.ok)
      return { kind: 'failed', failure: { kind: 'bad-response', problem: parsed.problem, bytes } };
    return { kind: 'token', token: parsed.token };
  } catch (error) {
    if (req.signal.aborted) return { kind: 'interrupted', reason: req.signal.reason as InterruptReason };
    return { kind: 'failed', failure: { kind: 'network', networkCode: networkCode(error), cause: error } };
  }
}

async function readBounded(body: Dispatcher.ResponseData['body']): Promise<{
  text: string;
  truncated: boolean;
  bytes: number;
}> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    if (bytes > MAX_BODY_BYTES) {
      body.destroy();
      return { text: Buffer.concat(chunks).toString('utf8'), truncated: true, bytes };
    }
    chunks.push(chunk);
  }
  return { text: Buffer.concat(chunks).toString('utf8'), truncated: false, bytes };
}

/** `ECONNREFUSED`, `ECONNRESET`, ... from undici's error or its cause; undici's own codes keep their message. */
function networkCode(error: unknown): string {
  const own = errorCode(error);
  const cause = errorCode((error as { cause?: unknown } | undefined)?.cause);
  if (own?.startsWith('E')) return own;
  if (cause?.startsWith('E')) return cause;
  if (own !== undefined) {
    const message = error instanceof Error ? error.message : '';
    return message === '' ? own : `${own} (${message})`;
  }
  return error instanceof Error ? error.name : 'unknown network error';
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}
