import type { ServerResponse } from 'node:http';

const ABSOLUTE_FORM = /^https?:\/\/[^/?#]*/i;

/**
 * The path of a raw request target, by string operations only: nothing here can throw, whatever
 * the client sent (`//`, `//%`, `/healthz?%`, `*`, a 70 KB path). `new URL(target, base)` throws
 * on some of these, and a throw in a request handler would end the process.
 *
 * Origin-form (`/healthz?x`) gives the part before `?`/`#`; absolute-form
 * (`http://host:8989/healthz`) the part after the authority (`/` when there is none). Anything
 * else (asterisk-form `*`, authority-form, garbage) is returned as is and matches no route.
 * Percent-escapes are not decoded: `/health%7A` is not `/healthz`.
 */
export function requestPath(target: string | undefined): string {
  if (target === undefined) return '';
  let path = target;
  const authority = ABSOLUTE_FORM.exec(path);
  if (authority) {
    path = path.slice(authority[0].length);
    if (!path.startsWith('/')) path = `/${path}`;
  }
  const end = path.search(/[?#]/);
  return end === -1 ? path : path.slice(0, end);
}

/**
 * Answers with a short text body. Any status other than 2xx also closes the connection
 * (`Connection: close`): a client that got an error has nothing more to send on it.
 */
export function sendText(response: ServerResponse, statusCode: number, body: string): void {
  if (response.headersSent || response.destroyed) {
    response.destroy();
    return;
  }
  const headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8' };
  if (statusCode < 200 || statusCode > 299) headers['connection'] = 'close';
  response.writeHead(statusCode, headers).end(body);
}
