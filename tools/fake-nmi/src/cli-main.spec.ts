import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { parseCliArgs, runCli } from './cli-main.js';

function io() {
  const out: string[] = [];
  const err: string[] = [];
  const signals = new EventEmitter();
  return {
    out,
    err,
    signals,
    io: { out: { write: (t: string) => out.push(t) }, err: { write: (t: string) => err.push(t) }, signals },
  };
}

describe('fake-nmi CLI', () => {
  it('parses bindings, port and token options', () => {
    expect(
      parseCliArgs([
        '--port',
        '0',
        '--signing-key',
        'k',
        '--bind',
        'shop/web-0=id-1',
        '--bind',
        'default/app=id-2',
        '--token-lifetime',
        '300',
        '--numeric-time-fields',
      ]),
    ).toEqual({
      port: 0,
      signingKey: 'k',
      bindings: [
        { namespace: 'shop', podName: 'web-0', clientId: 'id-1' },
        { namespace: 'default', podName: 'app', clientId: 'id-2' },
      ],
      tokenLifetimeSeconds: 300,
      numericTimeFields: true,
    });
  });

  it('serves until SIGTERM and prints where it listens', async () => {
    const t = io();
    const exit = runCli(['--bind', 'shop/web-0=id-1'], t.io);
    await expect.poll(() => t.out.join('')).toMatch(/^listening on http:\/\/127\.0\.0\.1:\d+\n$/);
    const url = /listening on (\S+)/.exec(t.out.join(''))![1]!;
    const res = await fetch(`${url}/host/token/?resource=https%3A%2F%2Fvault.azure.net`, {
      headers: { podns: 'shop', podname: 'web-0' },
    });
    expect((await readJson(res)).clientid).toBe('id-1');
    t.signals.emit('SIGTERM');
    expect(await exit).toBe(0);
    await expect(fetch(`${url}/host/token/`)).rejects.toThrow();
  });

  it('rejects a malformed binding with exit code 2 and says what is expected', async () => {
    const t = io();
    expect(await runCli(['--bind', 'web-0=id'], t.io)).toBe(2);
    expect(t.err.join('')).toContain('--bind "web-0=id": expected <namespace>/<pod>=<clientId>');
    expect(await runCli(['--port', 'eighty'], t.io)).toBe(2);
    expect(t.err.join('')).toContain('--port "eighty": expected an integer from 0 to 65535');
  });
});

async function readJson(res: Response): Promise<{ clientid: string }> {
  return (await res.json()) as { clientid: string };
}
