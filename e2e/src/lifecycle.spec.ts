import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { DaemonProcess, daemonMainPath, ProviderStack, readVisibleFiles } from '@keyvault-csi/demo';
import { connectProvider, providerVersion } from '@keyvault-csi/fake-csi-driver';
import { afterEach, describe, expect, it } from 'vitest';
import { mount, newPod, podIdentityParameters } from './support/mount.js';

const root = path.resolve(import.meta.dirname, '../..');
const run = promisify(execFile);
const stacks: ProviderStack[] = [];

async function startStack(...args: Parameters<typeof ProviderStack.start>): Promise<ProviderStack> {
  const stack = await ProviderStack.start(...args);
  stacks.push(stack);
  return stack;
}

afterEach(async () => {
  await Promise.all(stacks.splice(0).map((s) => s.stop()));
});

function seed(stack: ProviderStack, pod: { namespace: string; name: string }, vault = 'kvlifecycle'): string {
  const clientId = randomUUID();
  stack.nmi.bind(pod.namespace, pod.name, clientId);
  stack.keyVault
    .addVault(vault)
    .grant(clientId, { secrets: ['get'] })
    .setSecret('s1', 'lifecycle-value');
  return clientId;
}

describe('daemon lifecycle', () => {
  it('serves /healthz and comes back on the same socket after SIGKILL (stale socket file)', async () => {
    const stack = await startStack({ healthz: true });
    const health = await fetch(stack.healthzUrl!);
    expect(health.status).toBe(200);
    expect(await health.text()).toBe('ok');

    await stack.daemon.stop('SIGKILL');
    expect(existsSync(stack.socketPath)).toBe(true);

    const again = new DaemonProcess(
      [
        `--endpoint=unix://${stack.socketPath}`,
        '--healthz-port=-1',
        '--prometheus-port=-1',
        '--log-format-json',
      ],
      process.env,
    );
    try {
      const client = connectProvider(stack.socketPath);
      let served = false;
      for (let i = 0; i < 200 && !served; i++) {
        served = await providerVersion(client, 1000).then(
          (v) => v.runtimeName === 'keyvault-csi',
          () => false,
        );
        if (!served) await delay(25);
      }
      client.close();
      expect(served).toBe(true);
    } finally {
      expect((await again.stop('SIGTERM')).code).toBe(0);
    }
    expect(existsSync(stack.socketPath)).toBe(false);
  });

  it('answers a mount in flight before exiting on SIGTERM, then removes its socket', async () => {
    const stack = await startStack();
    const pod = newPod('sigterm', 'e2e');
    seed(stack, pod);
    stack.keyVault.injectFault({ path: /\/secrets\/s1/, action: { type: 'delay', ms: 1500 } });
    const inFlight = mount(
      stack,
      podIdentityParameters('kvlifecycle', [{ objectName: 's1', objectType: 'secret' }]),
      pod,
    );
    await delay(500);
    const exit = stack.daemon.stop('SIGTERM');
    const outcome = await inFlight;
    expect(outcome.message).toBeUndefined();
    expect(readVisibleFiles(outcome.targetPath)).toEqual({ s1: 'lifecycle-value' });
    expect((await exit).code).toBe(0);
    expect(existsSync(stack.socketPath)).toBe(false);
  });
});

describe('one-shot `csi-driver mount`', () => {
  const spc = path.join(root, 'examples/pod-identity/secretproviderclass.yaml');
  const pod = { namespace: 'default', name: 'busybox-secrets-store-inline-podid' };

  function env(stack: ProviderStack): NodeJS.ProcessEnv {
    return {
      ...process.env,
      HTTPS_PROXY: stack.keyVault.proxyUrl,
      NO_PROXY: '127.0.0.1,localhost',
      NODE_EXTRA_CA_CERTS: stack.keyVault.caCertPath,
    };
  }

  function args(stack: ProviderStack, target: string): string[] {
    return [
      daemonMainPath(),
      'mount',
      '--spc',
      spc,
      '--pod-name',
      pod.name,
      '--pod-namespace',
      pod.namespace,
      '--target-path',
      target,
      `--nmi-endpoint=${stack.nmi.url}`,
    ];
  }

  it('writes the example atomically, and a failed run leaves the previous files intact', async () => {
    const stack = await startStack({ metrics: false });
    const clientId = randomUUID();
    stack.nmi.bind(pod.namespace, pod.name, clientId);
    const vault = stack.keyVault.addVault('kvname').grant(clientId, { secrets: ['get'], keys: ['get'] });
    vault.setSecret('secret1', 'one-shot-value');
    vault.setKey('key1', {
      jwk: (await import('node:crypto'))
        .generateKeyPairSync('ec', { namedCurve: 'P-256' })
        .publicKey.export({ format: 'jwk' }),
    });
    const target = mkdtempSync(path.join(os.tmpdir(), 'e2e-oneshot-'));

    await run(process.execPath, args(stack, target), { env: env(stack) });
    const files = readVisibleFiles(target);
    expect(files['secret1']).toBe('one-shot-value');
    expect(files['key1']).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    expect(readFileSync(path.join(target, '..data/secret1'), 'utf8')).toBe('one-shot-value');

    vault.revoke(clientId);
    const failed = await run(process.execPath, args(stack, target), { env: env(stack) }).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toContain('objectName:secret1');
    expect(failed?.stderr).not.toContain('one-shot-value');
    expect(readVisibleFiles(target)).toEqual(files);
  });

  it('--watch rewrites the files when the secret rotates', async () => {
    const stack = await startStack({ metrics: false });
    const clientId = randomUUID();
    stack.nmi.bind(pod.namespace, pod.name, clientId);
    const vault = stack.keyVault.addVault('kvname').grant(clientId, { secrets: ['get'], keys: ['get'] });
    vault.setSecret('secret1', 'before-rotation');
    vault.setKey('key1', {
      jwk: (await import('node:crypto'))
        .generateKeyPairSync('ec', { namedCurve: 'P-256' })
        .publicKey.export({ format: 'jwk' }),
    });
    const target = mkdtempSync(path.join(os.tmpdir(), 'e2e-watch-'));
    const watcher = new DaemonProcess(
      [...args(stack, target).slice(1), '--watch', '--interval', '1s'],
      env(stack),
    );
    try {
      const read = () =>
        existsSync(path.join(target, 'secret1')) ? readFileSync(path.join(target, 'secret1'), 'utf8') : '';
      for (let i = 0; i < 200 && read() !== 'before-rotation'; i++) await delay(50);
      expect(read()).toBe('before-rotation');
      vault.setSecret('secret1', 'after-rotation');
      for (let i = 0; i < 200 && read() !== 'after-rotation'; i++) await delay(50);
      expect(read()).toBe('after-rotation');
    } finally {
      const exit = await watcher.stop('SIGTERM');
      expect(exit.code, watcher.output).toBe(0);
    }
  });
});

describe('`csi-driver lint`', () => {
  it('passes the example and points at the line and column of a bad object field', async () => {
    await run(process.execPath, [
      daemonMainPath(),
      'lint',
      path.join(root, 'examples/pod-identity/secretproviderclass.yaml'),
    ]);
    const bad = path.join(mkdtempSync(path.join(os.tmpdir(), 'e2e-lint-')), 'bad.yaml');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(
      bad,
      [
        'apiVersion: secrets-store.csi.x-k8s.io/v1',
        'kind: SecretProviderClass',
        'metadata:',
        '  name: bad',
        'spec:',
        '  provider: azure',
        '  parameters:',
        '    usePodIdentity: "true"',
        '    keyvaultName: kvname',
        '    tenantId: tid',
        '    objects: |',
        '      array:',
        '        - |',
        '          objectName: s1',
        '          objectType: secret',
        '          filePermission: 0900',
        '',
      ].join('\n'),
    );
    const failed = await run(process.execPath, [daemonMainPath(), 'lint', bad]).then(
      () => undefined,
      (error: { code: number; stdout: string }) => error,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stdout).toMatch(
      new RegExp(`^${bad.replaceAll('/', '\\/')}:16:27 error .*file permission`, 'm'),
    );
  });
});
