import type { KeyVaultEmulator } from '@keyvault-csi/keyvault-emulator';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type FetcherEvent,
  type FetchRequest,
  KeyVaultFetcher,
  type KeyVaultFetcherOptions,
  type KeyVaultObject,
  MountFetchError,
} from '../src/index.js';
import { fixtureText } from './fixtures.js';
import {
  mountFailure,
  object,
  startProxiedEmulator,
  stopProxiedEmulator,
  TestCredential,
  text,
} from './helpers.js';

const VAULT = 'kv-errors';
const SECRET_VALUES = ['v4lue-of-the-secret', 'QmFz!ZTY0'];
const reader = new TestCredential('errors-reader');
const stranger = new TestCredential('errors-stranger');

let kv: KeyVaultEmulator;
let vaultUrl: string;
/** Every error message produced here, checked at the end for values and tokens. */
const messages: string[] = [];

beforeAll(async () => {
  kv = await startProxiedEmulator();
  vaultUrl = kv.vaultUrl(VAULT);
  const v = kv.vault(VAULT);
  v.grant('errors-reader', { secrets: ['get', 'list'], keys: ['get'], certificates: ['get'] });
  v.setSecret('present', SECRET_VALUES[0] as string);
  v.setSecret('bad-b64', SECRET_VALUES[1] as string);
  v.setSecret('off', 'disabled-value');
  v.disable('secrets', 'off');
  v.importCertificate('off-cert', { pem: fixtureText('a-leaf.pkcs8.pem') + fixtureText('a-leaf.x509.pem') });
  v.disable('certificates', 'off-cert');
  const rbac = kv.vault('kv-errors-rbac').rbac();
  rbac.grant('errors-reader', { secrets: ['list'] });
  rbac.setSecret('present', 'rbac-value');
});

afterAll(() => stopProxiedEmulator(kv));

beforeEach(() => {
  kv.clearFaults();
  kv.resetStats();
});

/** Fast SDK retries for 5xx so the suite stays quick; production keeps the SDK defaults. */
const fastRetries = { retryOptions: { retryDelayInMs: 1, maxRetryDelayInMs: 5 } };

async function failure(
  request: Partial<FetchRequest> & { objects: KeyVaultObject[] },
  options: KeyVaultFetcherOptions = {},
) {
  const fetcher = new KeyVaultFetcher({ clientOptions: fastRetries, ...options });
  const error = await fetcher
    .fetch({ vaultUrl, credential: reader, identityKey: 'errors-reader', ...request })
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  expect(error).toBeInstanceOf(MountFetchError);
  const mountError = error as MountFetchError;
  messages.push(mountError.message, ...mountError.failures.map((f) => f.error.message));
  return mountError;
}

describe('Key Vault errors name the status, code and message', () => {
  it('404 SecretNotFound', async () => {
    const error = await failure({ objects: [object({ objectName: 'missing' })] });
    expect(error.code).toBe('FETCH_FAILED');
    expect(error.message).toMatch(
      /^failed to get objectType:secret, objectName:missing, objectVersion:: 404 SecretNotFound: A secret with \(name\/id\) missing was not found/,
    );
    expect(error.failures[0]?.error).toMatchObject({
      kind: 'not_found',
      code: 'NOT_FOUND',
      statusCode: 404,
      keyVaultCode: 'SecretNotFound',
    });
  });

  it('404 KeyNotFound and CertificateNotFound carry their own codes', async () => {
    const error = await failure({
      objects: [
        object({ objectName: 'nokey', objectType: 'key' }),
        object({ objectName: 'nocert', objectType: 'cert' }),
      ],
    });
    expect(error.failures.map((f) => f.error.keyVaultCode)).toEqual(['KeyNotFound', 'CertificateNotFound']);
  });

  it('403 AccessDenied for an identity without an access policy', async () => {
    const error = await failure({
      credential: stranger,
      identityKey: 'errors-stranger',
      objects: [object({ objectName: 'present' })],
    });
    expect(error.message).toMatch(
      /objectVersion:: 403 AccessDenied: The user, group or application 'appid=errors-stranger;.*does not have secrets get permission/,
    );
    expect(error.failures[0]?.error).toMatchObject({
      kind: 'forbidden',
      code: 'FORBIDDEN',
      statusCode: 403,
      keyVaultCode: 'AccessDenied',
    });
  });

  it('403 ForbiddenByRbac in an RBAC vault', async () => {
    const error = await failure({
      vaultUrl: kv.vaultUrl('kv-errors-rbac'),
      objects: [object({ objectName: 'present' })],
    });
    expect(error.message).toMatch(
      /objectVersion:: 403 ForbiddenByRbac: Caller is not authorized to perform action on resource\. /,
    );
    expect(error.message).not.toMatch(/[\r\n]/);
    expect(error.failures[0]?.error).toMatchObject({ kind: 'forbidden', keyVaultCode: 'ForbiddenByRbac' });
  });

  it('403 ForbiddenByFirewall', async () => {
    kv.vault(VAULT).firewall('10.1.2.3');
    try {
      const error = await failure({ objects: [object({ objectName: 'present' })] });
      expect(error.failures[0]?.error).toMatchObject({
        kind: 'forbidden',
        keyVaultCode: 'ForbiddenByFirewall',
      });
    } finally {
      kv.vault(VAULT).firewall(undefined);
    }
  });

  it('403 SecretDisabled for a disabled current version', async () => {
    const error = await failure({ objects: [object({ objectName: 'off' })] });
    expect(error.message).toMatch(
      /objectVersion:: 403 SecretDisabled: Operation get is not allowed on a disabled secret\.$/,
    );
    expect(error.failures[0]?.error).toMatchObject({ kind: 'forbidden', code: 'DISABLED' });
  });

  it('403 KeyDisabled and CertificateDisabled for a disabled certificate’s key and certificate', async () => {
    const error = await failure({
      objects: [
        object({ objectName: 'off-cert' }),
        object({ objectName: 'off-cert', objectType: 'key' }),
        object({ objectName: 'off-cert', objectType: 'cert' }),
      ],
    });
    expect(error.failures.map((f) => [f.error.code, f.error.keyVaultCode])).toEqual([
      ['DISABLED', 'SecretDisabled'],
      ['DISABLED', 'KeyDisabled'],
      ['DISABLED', 'CertificateDisabled'],
    ]);
  });

  it('401 for a token with the wrong audience', async () => {
    const wrongAudience = new TestCredential('errors-reader', { audience: 'https://vault.azure.net/' });
    const error = await failure({ credential: wrongAudience, objects: [object({ objectName: 'present' })] });
    expect(error.message).toMatch(/objectVersion:: 401 Unauthorized: AKV10022: Invalid audience\./);
    expect(error.failures[0]?.error).toMatchObject({
      kind: 'unauthorized',
      code: 'UNAUTHORIZED',
      statusCode: 401,
    });
  });

  it('follows a scope= challenge, and reports a 401 without a challenge header as unauthorized', async () => {
    kv.addVault('kv-errors-scope', { challenge: 'scope' })
      .grant('errors-reader', { secrets: ['get'] })
      .setSecret('s', 'scoped');
    kv.addVault('kv-errors-nohdr', { challenge: 'no-header' })
      .grant('errors-reader', { secrets: ['get'] })
      .setSecret('s', 'never');
    const fetcher = new KeyVaultFetcher();
    const mount = (vault: string) =>
      fetcher.fetch({
        vaultUrl: kv.vaultUrl(vault),
        credential: reader,
        identityKey: 'errors-reader',
        objects: [object({ objectName: 's' })],
      });
    expect(text((await mount('kv-errors-scope')).files[0]?.contents)).toBe('scoped');
    const error = await mountFailure(mount('kv-errors-nohdr'));
    messages.push(error.message);
    expect(error.message).toMatch(
      /objectVersion:: 401 Unauthorized: AKV10000: Request is missing a Bearer or PoP token\.$/,
    );
    expect(error.failures[0]?.error).toMatchObject({ kind: 'unauthorized', statusCode: 401 });
  });

  it('5xx after the SDK’s retries is transient', async () => {
    kv.injectFault({
      path: `/secrets/present/`,
      action: { type: 'status', status: 500, code: 'InternalServerError', message: 'boom' },
    });
    const error = await failure({ objects: [object({ objectName: 'present' })] });
    expect(error.message).toMatch(/objectVersion:: 500 InternalServerError: boom$/);
    expect(error.failures[0]?.error).toMatchObject({
      kind: 'transient',
      code: 'SERVER_ERROR',
      statusCode: 500,
    });
    expect(kv.countRequests({ path: '/secrets/present', probe: false })).toBe(4);
  });

  it('says who answered when the status carries no Key Vault error (the proxy cannot reach the vault)', async () => {
    const error = await failure({
      vaultUrl: 'https://kv-unknown.vault.azure.net/',
      objects: [object({ objectName: 'present' })],
    });
    expect(error.message).toMatch(
      /^failed to get objectType:secret, objectName:present, objectVersion:: 502 from kv-unknown\.vault\.azure\.net \(no Key Vault error body\): /,
    );
    expect(error.failures[0]?.error).toMatchObject({
      kind: 'transient',
      statusCode: 502,
      keyVaultCode: undefined,
    });
  });

  it('recovers from a 503 through the SDK’s retries', async () => {
    kv.injectFault({ path: '/secrets/present/', times: 1, action: { type: 'unavailable' } });
    const fetcher = new KeyVaultFetcher({ clientOptions: fastRetries });
    const result = await fetcher.fetch({
      vaultUrl,
      credential: reader,
      identityKey: 'errors-reader',
      objects: [object({ objectName: 'present' })],
    });
    expect(text(result.files[0]?.contents)).toBe(SECRET_VALUES[0]);
  });
});

describe('SDK client options', () => {
  it('sends userAgentPrefix ahead of the SDK user agent', async () => {
    const agents: string[] = [];
    kv.registerHost('kv-errors-ua.vault.azure.net', (req, res) => {
      agents.push(String(req.headers['user-agent']));
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'SecretNotFound', message: 'not here' } }));
    });
    try {
      const fetcher = new KeyVaultFetcher({ userAgentPrefix: 'keyvault-csi/0.1.0 my-cluster' });
      const error = await mountFailure(
        fetcher.fetch({
          vaultUrl: 'https://kv-errors-ua.vault.azure.net/',
          credential: reader,
          identityKey: 'errors-reader',
          objects: [object({ objectName: 's' })],
        }),
      );
      expect(error.failures[0]?.error.keyVaultCode).toBe('SecretNotFound');
      expect(agents[0]).toMatch(/^keyvault-csi\/0\.1\.0 my-cluster azsdk-js-keyvault-secrets\/4\.11\.2 /);
    } finally {
      kv.unregisterHost('kv-errors-ua.vault.azure.net');
    }
  });
});

describe('429 throttling', () => {
  function throttledFetcher(sleeps: number[], events: FetcherEvent[] = []) {
    return new KeyVaultFetcher({
      random: () => 0.5,
      sleep: async (ms, signal) => {
        if (signal.aborted) throw signal.reason;
        sleeps.push(ms);
      },
      onEvent: (e) => events.push(e),
    });
  }
  const mount = (fetcher: KeyVaultFetcher, deadline?: number) =>
    fetcher.fetch({
      vaultUrl,
      credential: reader,
      identityKey: 'errors-reader',
      objects: [object({ objectName: 'present' })],
      deadline,
    });

  it('backs off 1 s, 2 s (jittered) on 429s without Retry-After, which the SDK does not retry', async () => {
    kv.injectFault({ path: '/secrets/present/', times: 2, action: { type: 'throttle' } });
    const sleeps: number[] = [];
    const events: FetcherEvent[] = [];
    const result = await mount(throttledFetcher(sleeps, events));
    expect(text(result.files[0]?.contents)).toBe(SECRET_VALUES[0]);
    expect(sleeps).toEqual([1000, 2000]);
    expect(events.filter((e) => e.type === 'throttle-retry')).toEqual([
      { type: 'throttle-retry', delayMs: 1000 },
      { type: 'throttle-retry', delayMs: 2000 },
    ]);
    expect(events.filter((e) => e.type === 'request').map((e) => e.type === 'request' && e.status)).toEqual([
      'throttled',
      'throttled',
      'ok',
    ]);
    expect(kv.countRequests({ path: '/secrets/present', probe: false })).toBe(3);
  });

  it('honours Retry-After once the SDK’s own retries are used up', async () => {
    kv.injectFault({ path: '/secrets/present/', times: 5, action: { type: 'throttle', retryAfterMs: 5 } });
    const sleeps: number[] = [];
    const result = await mount(throttledFetcher(sleeps));
    expect(text(result.files[0]?.contents)).toBe(SECRET_VALUES[0]);
    expect(sleeps).toEqual([5]);
    expect(kv.countRequests({ path: '/secrets/present', probe: false })).toBe(6);
  });

  it('gives up after three backoffs with 429 Throttled', async () => {
    kv.injectFault({ path: '/secrets/present/', action: { type: 'throttle' } });
    const sleeps: number[] = [];
    const error = await mountFailure(mount(throttledFetcher(sleeps)));
    expect(error).toBeInstanceOf(MountFetchError);
    messages.push(error.message);
    expect(sleeps).toEqual([1000, 2000, 4000]);
    expect(error.message).toMatch(
      /objectVersion:: 429 Throttled: Request was not processed because too many requests were received/,
    );
    expect(error.failures[0]?.error).toMatchObject({ kind: 'throttled', code: 'THROTTLED', statusCode: 429 });
  });

  it('does not start a backoff that would end after the deadline', async () => {
    kv.injectFault({ path: '/secrets/present/', action: { type: 'throttle' } });
    const sleeps: number[] = [];
    const error = await mountFailure(mount(throttledFetcher(sleeps), Date.now() + 700));
    expect(sleeps).toEqual([]);
    expect(error.failures[0]?.error.kind).toBe('throttled');
  });
});

describe('credential, network and deadline failures', () => {
  it('keeps the credential’s own error as the cause', async () => {
    const nmiError = Object.assign(
      new Error('nmi response failed with status code: 404, response body: no identity'),
      {
        code: 'NMI_NOT_FOUND',
      },
    );
    const failing = new TestCredential('errors-reader', { fail: nmiError });
    const error = await failure({
      credential: failing,
      identityKey: 'errors-failing',
      objects: [object({ objectName: 'present' })],
    });
    const objectError = error.failures[0]?.error;
    expect(objectError).toMatchObject({ kind: 'credential', code: 'CREDENTIAL_FAILED' });
    expect(objectError?.cause).toBe(nmiError);
    expect(error.message).toContain('nmi response failed with status code: 404');
  });

  it('reports a request still in flight at the deadline as the step and object', async () => {
    kv.injectFault({ path: '/secrets/present/', action: { type: 'delay', ms: 3000 } });
    const started = Date.now();
    const error = await failure({ deadline: Date.now() + 300, objects: [object({ objectName: 'present' })] });
    expect(Date.now() - started).toBeLessThan(2500);
    expect(error.message).toMatch(
      /objectVersion:: context deadline exceeded: Key Vault get of secrets\/present on kv-errors\.vault\.azure\.net did not complete within the mount's \d+ ms$/,
    );
    expect(error.failures[0]?.error).toMatchObject({ kind: 'deadline', code: 'DEADLINE_EXCEEDED' });
  });

  it('names the token request when the deadline hits while it is still in flight', async () => {
    const slowToken = {
      getToken: (_scopes: string | string[], options?: { abortSignal?: AbortSignal }) =>
        new Promise<never>((_, reject) => {
          const timer = setTimeout(() => reject(new Error('token too late')), 3000);
          options?.abortSignal?.addEventListener('abort', () => {
            clearTimeout(timer);
            reject(Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' }));
          });
        }),
    };
    const started = Date.now();
    const error = await failure({
      credential: slowToken,
      identityKey: 'errors-slow-token',
      deadline: Date.now() + 300,
      objects: [object({ objectName: 'present' })],
    });
    expect(Date.now() - started).toBeLessThan(2500);
    expect(error.message).toMatch(
      /objectVersion:: context deadline exceeded: still waiting for the access token \(NMI \/ identity endpoint\) needed for Key Vault get of secrets\/present on kv-errors\.vault\.azure\.net when the mount's \d+ ms ran out$/,
    );
    expect(error.failures[0]?.error).toMatchObject({ kind: 'deadline', code: 'DEADLINE_EXCEEDED' });
  });

  it('names the list step for history mode', async () => {
    kv.injectFault({ path: '/secrets/present/versions', action: { type: 'delay', ms: 3000 } });
    const error = await failure({
      deadline: Date.now() + 300,
      objects: [object({ objectName: 'present', objectVersionHistory: 2 })],
    });
    expect(error.message).toMatch(/context deadline exceeded: Key Vault list of secrets\/present on /);
  });

  it('reports the caller’s abort as ABORTED', async () => {
    kv.injectFault({ path: '/secrets/present/', action: { type: 'delay', ms: 3000 } });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const error = await failure({
      abortSignal: controller.signal,
      objects: [object({ objectName: 'present' })],
    });
    expect(error.failures[0]?.error).toMatchObject({ kind: 'deadline', code: 'ABORTED' });
  });
});

describe('MountFetchError', () => {
  it('lists every failing object in SPC order: the first 20, then "and <n> more"', async () => {
    const objects = Array.from({ length: 23 }, (_, i) =>
      object({ objectName: `missing-${i}`, objectVersion: i === 0 ? 'latest' : '' }),
    );
    objects.splice(5, 0, object({ objectName: 'present' }));
    const error = await failure({ objects });
    expect(error.failures.map((f) => f.object.objectName)).toEqual(
      objects.filter((o) => o.objectName !== 'present').map((o) => o.objectName),
    );
    const parts = error.message.split('; ');
    expect(parts).toHaveLength(21);
    expect(parts[0]).toMatch(
      /^failed to get objectType:secret, objectName:missing-0, objectVersion:latest: 404 SecretNotFound: /,
    );
    expect(parts[19]).toMatch(/^failed to get objectType:secret, objectName:missing-19, /);
    expect(parts[20]).toBe('and 3 more');
  });

  it('fails the whole mount when one object fails, and collects conversion errors too', async () => {
    const error = await failure({
      objects: [
        object({ objectName: 'present' }),
        object({ objectName: 'bad-b64', objectEncoding: 'base64' }),
        object({ objectName: 'missing' }),
      ],
    });
    expect(error.failures.map((f) => [f.object.objectName, f.error.kind])).toEqual([
      ['bad-b64', 'conversion'],
      ['missing', 'not_found'],
    ]);
  });
});

describe('no secret value or token in any error message', () => {
  it('holds for every message produced above', () => {
    expect(messages.length).toBeGreaterThan(15);
    const tokens = [...reader.tokens, ...stranger.tokens];
    expect(tokens.length).toBeGreaterThan(0);
    for (const message of messages) {
      for (const value of [...SECRET_VALUES, 'rbac-value', 'disabled-value'])
        expect(message).not.toContain(value);
      for (const token of tokens) {
        expect(message).not.toContain(token);
        expect(message).not.toContain(token.split('.')[2]);
      }
      expect(message).not.toMatch(/Bearer [\w.-]{20,}/i);
      expect(message).not.toMatch(/eyJ[\w-]{10,}\./);
    }
  });
});
