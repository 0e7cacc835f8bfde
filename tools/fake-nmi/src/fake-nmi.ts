import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { issueTestToken } from '@keyvault-csi/test-tokens';
import {
  defaultFaultBody,
  EMPTY_RESOURCE_BODY,
  identityNotAssignedBody,
  MISSING_POD_HEADERS_BODY,
  NOT_FROM_HOST_BODY,
  unknownClientIdBody,
} from './nmi-responses.js';

export interface FakeNmiBinding {
  readonly namespace: string;
  readonly podName: string;
  readonly clientId: string;
}

export interface FakeNmiOptions {
  /** TCP port on 127.0.0.1; 0 (default) picks a free one. */
  readonly port?: number;
  /** Key the issued tokens are signed with (default: the shared test key the emulator accepts). */
  readonly signingKey?: string;
  readonly tenantId?: string;
  /** Pod → identity bindings present from the start. */
  readonly bindings?: readonly FakeNmiBinding[];
  /** Lifetime of issued tokens (default 86399 s, like a managed identity token). */
  readonly tokenLifetimeSeconds?: number;
  /** Answer with JSON numbers instead of NMI's numeric strings (for client tests). */
  readonly numericTimeFields?: boolean;
  /**
   * How long an unbound pod's request waits for a binding before the 404 (default 0). Real NMI
   * waits 80–100 s; a `bind()` during the wait answers the waiting request with a token.
   */
  readonly assignmentWaitMs?: number;
}

/**
 * One injected misbehaviour, applied to the next `times` token requests in arrival order. With
 * only `delayMs` the request is answered normally after the delay.
 */
export interface FakeNmiFault {
  /** How many requests this fault applies to (default 1). */
  readonly times?: number;
  /** Answer with this status instead (the body defaults to NMI's text for that status). */
  readonly status?: number;
  /** Body for `status`; with status 200 it is sent as the raw JSON body. */
  readonly body?: string;
  /** Wait this long before answering (or dropping). */
  readonly delayMs?: number;
  /** Destroy the connection instead of answering. */
  readonly drop?: boolean;
}

/** What happened to one request, as a user of the fake would check it. */
export interface FakeNmiRequest {
  readonly at: number;
  readonly method: string;
  readonly path: string;
  readonly podNamespace: string;
  readonly podName: string;
  readonly resource: string;
  readonly clientId: string | undefined;
  /** Status answered, `dropped` (fault), or `client-gone` (the caller hung up first). */
  readonly outcome: number | 'dropped' | 'client-gone';
  readonly injected: boolean;
  /** Client id of the identity whose token was issued. */
  readonly issuedFor?: string;
}

export interface FakeNmiCounters {
  /** Requests that reached the token handler. */
  readonly calls: number;
  readonly tokensIssued: number;
  readonly errors: number;
  readonly drops: number;
}

interface PendingFault {
  remaining: number;
  readonly fault: FakeNmiFault;
}

interface Waiter {
  /** Set when the wait ends as soon as this pod gets an identity. */
  readonly podKey: string | undefined;
  readonly wake: () => void;
}

const DEFAULT_LIFETIME_SECONDS = 86_399;

/** A real HTTP server on 127.0.0.1 answering `/host/token/` the way aad-pod-identity's NMI does. */
export class FakeNmi {
  readonly #server: Server;
  readonly #options: FakeNmiOptions;
  readonly #bindings = new Map<string, string[]>();
  readonly #faults: PendingFault[] = [];
  readonly #log: FakeNmiRequest[] = [];
  readonly #sockets = new Set<Socket>();
  readonly #waiters = new Set<Waiter>();
  #port = 0;
  #listening = false;
  #stopped = false;
  #counters = { calls: 0, tokensIssued: 0, errors: 0, drops: 0 };

  private constructor(options: FakeNmiOptions) {
    this.#options = options;
    for (const binding of options.bindings ?? [])
      this.bind(binding.namespace, binding.podName, binding.clientId);
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((error: unknown) => {
        // Like NMI's panic handler: a 500 with the error text, and the server keeps serving.
        if (!res.headersSent) writeText(res, 500, error instanceof Error ? error.message : String(error));
        else res.destroy();
      });
    });
    this.#server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    });
  }

  static async start(options: FakeNmiOptions = {}): Promise<FakeNmi> {
    const nmi = new FakeNmi(options);
    await nmi.#listen(options.port ?? 0);
    return nmi;
  }

  /** `http://127.0.0.1:<port>`, the value for the client's `endpoint`. */
  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  get port(): number {
    return this.#port;
  }

  /** Number of requests that reached the token handler. */
  get calls(): number {
    return this.#counters.calls;
  }

  get counters(): FakeNmiCounters {
    return { ...this.#counters };
  }

  get requests(): readonly FakeNmiRequest[] {
    return [...this.#log];
  }

  resetLog(): void {
    this.#log.length = 0;
    this.#counters = { calls: 0, tokensIssued: 0, errors: 0, drops: 0 };
  }

  /** Assigns an identity to a pod; a pod may hold several (NMI picks by `client_id`, else the first). */
  bind(namespace: string, podName: string, clientId: string): void {
    const key = podKey(namespace, podName);
    const ids = this.#bindings.get(key) ?? [];
    if (!ids.includes(clientId)) ids.push(clientId);
    this.#bindings.set(key, ids);
    for (const waiter of this.#waiters) if (waiter.podKey === key) waiter.wake();
  }

  /** Removes one identity from a pod, or all of them when `clientId` is omitted. */
  unbind(namespace: string, podName: string, clientId?: string): void {
    const key = podKey(namespace, podName);
    if (clientId === undefined) {
      this.#bindings.delete(key);
      return;
    }
    const ids = (this.#bindings.get(key) ?? []).filter((id) => id !== clientId);
    if (ids.length === 0) this.#bindings.delete(key);
    else this.#bindings.set(key, ids);
  }

  injectFaults(fault: FakeNmiFault): void {
    const times = fault.times ?? 1;
    if (!Number.isInteger(times) || times < 1)
      throw new RangeError(`fault times must be a positive integer, got ${times}`);
    this.#faults.push({ remaining: times, fault });
  }

  clearFaults(): void {
    this.#faults.length = 0;
  }

  /** Stops listening and drops every open connection, like NMI restarting: clients get refused. */
  async refuse(): Promise<void> {
    if (!this.#listening) return;
    this.#listening = false;
    const closed = once(this.#server, 'close');
    this.#server.close();
    this.#dropEverything();
    await closed;
  }

  /** Listens again on the same port after `refuse()`. */
  async accept(): Promise<void> {
    if (this.#listening || this.#stopped) return;
    await this.#listen(this.#port);
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#faults.length = 0;
    await this.refuse();
  }

  async #listen(port: number): Promise<void> {
    this.#server.listen(port, '127.0.0.1');
    await once(this.#server, 'listening');
    this.#port = (this.#server.address() as AddressInfo).port;
    this.#listening = true;
  }

  #dropEverything(): void {
    for (const waiter of this.#waiters) waiter.wake();
    for (const socket of this.#sockets) socket.destroy();
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (!url.pathname.startsWith('/host/token')) {
      writeText(res, 404, '404 page not found');
      return;
    }
    this.#counters.calls++;
    let gone = false;
    res.once('close', () => {
      gone = !res.writableFinished;
    });
    const podNamespace = headerValue(req.headers['podns']);
    const podName = headerValue(req.headers['podname']);
    const resource = url.searchParams.get('resource') ?? '';
    const clientId = url.searchParams.get('client_id') || undefined;
    const entry = {
      at: Date.now(),
      method: req.method ?? 'GET',
      path: url.pathname,
      podNamespace,
      podName,
      resource,
      clientId,
    };
    const record = (outcome: FakeNmiRequest['outcome'], injected: boolean, issuedFor?: string): void => {
      this.#log.push({ ...entry, outcome, injected, ...(issuedFor === undefined ? {} : { issuedFor }) });
      if (outcome === 'dropped') this.#counters.drops++;
      else if (typeof outcome === 'number' && outcome !== 200) this.#counters.errors++;
    };

    const fault = this.#takeFault();
    if (fault?.delayMs) {
      await this.#wait(fault.delayMs, res);
      if (gone || res.destroyed) {
        record('client-gone', true);
        return;
      }
    }
    if (fault?.drop) {
      record('dropped', true);
      req.socket.destroy();
      return;
    }
    if (fault?.status !== undefined) {
      if (fault.status === 200) {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(fault.body ?? '');
      } else {
        writeText(
          res,
          fault.status,
          fault.body ?? defaultFaultBody(fault.status, podNamespace, podName, resource),
        );
      }
      record(fault.status, true);
      return;
    }
    const injected = fault !== undefined;

    if (podNamespace === '' || podName === '') {
      writeText(res, 400, MISSING_POD_HEADERS_BODY);
      record(400, injected);
      return;
    }
    if (req.socket.remoteAddress !== '127.0.0.1') {
      writeText(res, 500, NOT_FROM_HOST_BODY);
      record(500, injected);
      return;
    }
    if (resource === '') {
      writeText(res, 400, EMPTY_RESOURCE_BODY);
      record(400, injected);
      return;
    }
    let ids = this.#bindings.get(podKey(podNamespace, podName));
    if (ids === undefined && (this.#options.assignmentWaitMs ?? 0) > 0) {
      await this.#wait(this.#options.assignmentWaitMs ?? 0, res, podKey(podNamespace, podName));
      if (gone || res.destroyed) {
        record('client-gone', injected);
        return;
      }
      ids = this.#bindings.get(podKey(podNamespace, podName));
    }
    if (ids === undefined || ids.length === 0) {
      writeText(res, 404, identityNotAssignedBody(podNamespace, podName));
      record(404, injected);
      return;
    }
    const chosen = clientId === undefined ? ids[0] : ids.find((id) => id === clientId);
    if (chosen === undefined) {
      writeText(res, 404, unknownClientIdBody(clientId ?? ''));
      record(404, injected);
      return;
    }
    const lifetime = this.#options.tokenLifetimeSeconds ?? DEFAULT_LIFETIME_SECONDS;
    const { token, claims } = issueTestToken({
      audience: resource,
      clientId: chosen,
      lifetimeSeconds: lifetime,
      ...(this.#options.tenantId === undefined ? {} : { tenantId: this.#options.tenantId }),
      ...(this.#options.signingKey === undefined ? {} : { signingKey: this.#options.signingKey }),
    });
    const time = (n: number): string | number => (this.#options.numericTimeFields ? n : String(n));
    const body = JSON.stringify({
      token: {
        access_token: token,
        refresh_token: '',
        expires_in: time(lifetime),
        expires_on: time(claims.exp),
        not_before: time(claims.nbf),
        resource,
        token_type: 'Bearer',
      },
      clientid: chosen,
    });
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(body);
    this.#counters.tokensIssued++;
    record(200, injected, chosen);
  }

  #takeFault(): FakeNmiFault | undefined {
    const head = this.#faults[0];
    if (head === undefined) return undefined;
    head.remaining--;
    if (head.remaining === 0) this.#faults.shift();
    return head.fault;
  }

  /** Resolves after `ms`, or early when the caller hangs up, `bind()` wakes it (assignment) or the fake stops. */
  #wait(ms: number, res: ServerResponse, assignmentFor?: string): Promise<void> {
    return new Promise((resolve) => {
      const waiter: Waiter = {
        podKey: assignmentFor,
        wake: () => {
          clearTimeout(timer);
          this.#waiters.delete(waiter);
          res.off('close', waiter.wake);
          resolve();
        },
      };
      const timer = setTimeout(waiter.wake, ms);
      this.#waiters.add(waiter);
      res.once('close', waiter.wake);
    });
  }
}

function podKey(namespace: string, podName: string): string {
  return `${namespace}/${podName}`;
}

function headerValue(value: string | string[] | undefined): string {
  return (Array.isArray(value) ? value[0] : value) ?? '';
}

/** Go's `http.Error`: text/plain, nosniff, the message plus a newline. */
function writeText(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(`${message}\n`);
}
