import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ProviderStack } from '@keyvault-csi/demo';
import type { FaultHandle } from '@keyvault-csi/keyvault-emulator';
import { makeCertificateChain, makeRsaKey } from './openssl.js';

/** Largest request body the control server reads; every operation takes a few short fields. */
const MAX_BODY_BYTES = 64 * 1024;
/** Largest generated secret value (`sizeBytes`): enough for responses over the driver's 4 MiB limit. */
const MAX_GENERATED_SECRET_BYTES = 3 * 1024 * 1024;

type Body = Record<string, unknown>;
type Operation = (body: Body) => unknown;

export class ControlRequestError extends Error {
  override readonly name = 'ControlRequestError';
}

/**
 * A small JSON-over-HTTP control plane for a ProviderStack, so a test written in another language
 * (the Go tests in e2e/real-driver, which call the upstream driver's code) can seed the Key Vault
 * emulator and the fake NMI, inject faults and stop or restart the daemon — everything our own
 * Vitest specs do in-process. Bound to 127.0.0.1; `POST /<operation>` with a JSON object body;
 * answers `200 {…}` or `400 {"error": "…"}`.
 */
export class StackControlServer {
  readonly #faults: FaultHandle[] = [];
  readonly #operations: ReadonlyMap<string, Operation>;
  /** Secret values served, for the caller's log audit. */
  readonly secretValues: string[] = [];
  /** Output of every daemon process stopped through this server (the stack keeps only the current one). */
  readonly stoppedDaemonOutput: string[] = [];

  private constructor(
    private readonly stack: ProviderStack,
    private readonly server: Server,
    readonly url: string,
  ) {
    this.#operations = new Map<string, Operation>([
      ['vault', (b) => this.#vault(b)],
      ['grant', (b) => this.#grant(str(b, 'vault'), b)],
      ['secret', (b) => this.#secret(b)],
      ['key', (b) => this.#key(b)],
      ['certificate', (b) => this.#certificate(b)],
      ['keyvault-delay', (b) => this.#keyVaultDelay(b)],
      ['keyvault-clear-faults', () => this.#clearFaults()],
      // Authorised requests only: a new identity's first request is preceded by a challenge probe.
      [
        'keyvault-count',
        (b) => ({ count: this.stack.keyVault.countRequests({ path: str(b, 'path'), probe: false }) }),
      ],
      ['daemon-stop', (b) => this.#daemonStop(b)],
      ['daemon-start', () => this.#daemonStart()],
      // A hung daemon: the process stays, its socket accepts, nothing answers.
      ['daemon-pause', () => this.#signalDaemon('SIGSTOP')],
      ['daemon-resume', () => this.#signalDaemon('SIGCONT')],
      ['daemon-status', () => this.#daemonStatus()],
    ]);
  }

  static async start(stack: ProviderStack): Promise<StackControlServer> {
    let control: StackControlServer | undefined;
    const server = createServer((req, res) => {
      control?.handle(req, res).catch((error: unknown) => reply(res, 500, { error: String(error) }));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    control = new StackControlServer(stack, server, `http://127.0.0.1:${port}`);
    return control;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const name = (req.url ?? '').replace(/^\//, '');
    const operation = this.#operations.get(name);
    if (req.method !== 'POST' || operation === undefined) {
      reply(res, 404, { error: `unknown operation ${req.method} ${name.slice(0, 100)}` });
      return;
    }
    try {
      const body = await readJson(req);
      reply(res, 200, (await operation(body)) ?? {});
    } catch (error) {
      if (!(error instanceof Error)) throw error;
      reply(res, 400, { error: `${name}: ${error.message}` });
    }
  }

  /** A new vault (random name unless given) readable by a fresh identity that NMI binds to the pod. */
  #vault(body: Body): unknown {
    const name = optionalStr(body, 'name') ?? `kv${randomUUID().replaceAll('-', '').slice(0, 12)}`;
    this.stack.keyVault.addVault(name);
    return { name, ...this.#grant(name, body) };
  }

  /** Binds the pod (`namespace`, `pod`) to a fresh identity that may read everything in the vault. */
  #grant(vault: string, body: Body): { clientId: string } {
    const clientId = randomUUID();
    this.stack.keyVault.vault(vault).grant(clientId, {
      secrets: ['get', 'list'],
      keys: ['get', 'list'],
      certificates: ['get', 'list'],
    });
    this.stack.nmi.bind(str(body, 'namespace'), str(body, 'pod'), clientId);
    return { clientId };
  }

  /** A secret version: `value`, or `sizeBytes` of generated base64 text; optional `created` (Unix s). */
  #secret(body: Body): unknown {
    const size = body['sizeBytes'];
    let value: string;
    if (size === undefined) value = str(body, 'value');
    else if (
      typeof size === 'number' &&
      Number.isInteger(size) &&
      size > 0 &&
      size <= MAX_GENERATED_SECRET_BYTES
    )
      value = randomBytes(Math.ceil((size * 3) / 4))
        .toString('base64')
        .slice(0, size);
    else throw new ControlRequestError(`sizeBytes must be an integer in 1..${MAX_GENERATED_SECRET_BYTES}`);
    if (size === undefined) this.secretValues.push(value);
    const created = body['created'];
    const ref = this.stack.keyVault
      .vault(str(body, 'vault'))
      .setSecret(str(body, 'name'), typeof created === 'number' ? { value, created } : { value });
    return { version: ref.version };
  }

  /** An RSA key version; answers the public key PEM the provider should write. */
  #key(body: Body): unknown {
    const key = makeRsaKey();
    const ref = this.stack.keyVault
      .vault(str(body, 'vault'))
      .setKey(str(body, 'name'), { pem: key.privatePem });
    return { version: ref.version, publicPem: key.publicPem };
  }

  /**
   * A certificate made with openssl (root → intermediate → leaf, EC P-256) imported from a PFX that
   * stores them out of order; answers the PEMs the provider should write for it.
   */
  #certificate(body: Body): unknown {
    const chain = makeCertificateChain(str(body, 'cn'));
    const ref = this.stack.keyVault
      .vault(str(body, 'vault'))
      .importCertificate(str(body, 'name'), { pfx: chain.pfx(['root', 'leaf', 'intermediate']) });
    return {
      version: ref.version,
      leafKeyPem: chain.leafKeyPem,
      leafPem: chain.leafPem,
      intermediatePem: chain.intermediatePem,
      rootPem: chain.rootPem,
    };
  }

  /** Delays every Key Vault request whose path (without query) is `path`, until cleared. */
  #keyVaultDelay(body: Body): unknown {
    const ms = body['ms'];
    if (typeof ms !== 'number' || !Number.isInteger(ms) || ms < 0 || ms > 60_000)
      throw new ControlRequestError('ms must be an integer in 0..60000');
    this.#faults.push(
      this.stack.keyVault.injectFault({ path: str(body, 'path'), action: { type: 'delay', ms } }),
    );
    return {};
  }

  #clearFaults(): unknown {
    for (const fault of this.#faults.splice(0)) fault.remove();
    return {};
  }

  async #daemonStop(body: Body): Promise<unknown> {
    const signal = optionalStr(body, 'signal') ?? 'SIGTERM';
    if (signal !== 'SIGTERM' && signal !== 'SIGKILL')
      throw new ControlRequestError('signal must be SIGTERM or SIGKILL');
    const daemon = this.stack.daemon;
    const exit = await this.stack.stopDaemon(signal);
    this.stoppedDaemonOutput.push(daemon.output);
    return exit;
  }

  #daemonStart(): unknown {
    return { pid: this.stack.startDaemon().pid };
  }

  #signalDaemon(signal: 'SIGSTOP' | 'SIGCONT'): unknown {
    if (this.stack.daemon.exit !== undefined) throw new ControlRequestError('the daemon is not running');
    this.stack.daemon.child.kill(signal);
    return {};
  }

  #daemonStatus(): unknown {
    const daemon = this.stack.daemon;
    return { pid: daemon.pid, running: daemon.exit === undefined };
  }
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<Body> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new ControlRequestError(`request body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  const value: unknown = text === '' ? {} : JSON.parse(text);
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ControlRequestError('the body must be a JSON object');
  return value as Body;
}

function str(body: Body, field: string): string {
  const value = body[field];
  if (typeof value !== 'string' || value === '')
    throw new ControlRequestError(`${field} must be a non-empty string`);
  return value.slice(0, 4096);
}

function optionalStr(body: Body, field: string): string | undefined {
  return body[field] === undefined ? undefined : str(body, field);
}
