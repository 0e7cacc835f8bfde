import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli.js';
import { DaemonProcess, runBinary } from './support/daemon-process.js';
import { providerClient } from './support/grpc-calls.js';
import { makeTempDir } from './support/test-provider.js';

async function captureCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

function daemonArgs(socketPath: string, ...extra: string[]): string[] {
  return [
    `--endpoint=unix://${socketPath}`,
    '--healthz-port=-1',
    '--prometheus-port=-1',
    '--log-format-json',
    ...extra,
  ];
}

describe('the built binary', () => {
  const started: DaemonProcess[] = [];
  afterEach(() => {
    for (const daemon of started.splice(0)) if (daemon.child.exitCode === null) daemon.kill('SIGKILL');
  });

  it('prints --version as the reference JSON shape', async () => {
    const { code, stdout } = await runBinary(['--version']);
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /^\{"version":"\d+\.\d+\.\d+[^"]*","buildDate":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"\}\n$/,
    );
    // In process the date is that of src/build-info.ts: compare the version only.
    const inProcess = JSON.parse((await captureCli(['version'])).stdout) as { version: string };
    expect(inProcess.version).toBe((JSON.parse(stdout) as { version: string }).version);
  });

  it('exits 1 with a clear message on an unknown flag or a bad value', async () => {
    const unknown = await runBinary(['--no-such-flag']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('flag provided but not defined: -no-such-flag');
    const badEndpoint = await captureCli(['--endpoint=/tmp/x.sock']);
    expect(badEndpoint).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('invalid endpoint: /tmp/x.sock'),
    });
    const backend = await captureCli(['--metrics-backend=otlp']);
    expect(backend).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('unsupported metrics backend otlp'),
    });
    // A subcommand's usage error exits 2 and names that subcommand's help (help.spec.ts).
    const mount = await captureCli(['mount', '--spc=x.yaml']);
    expect(mount).toMatchObject({ code: 2, stderr: expect.stringContaining('--pod-name is required') });
  });

  it('exits 1 at start-up on an unknown cloud', async () => {
    const dir = await makeTempDir();
    const result = await runBinary(daemonArgs(join(dir, 'azure.sock'), '--cloud-name=MarsCloud'));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('cloudName MarsCloud is not valid');
    await expect(stat(join(dir, 'azure.sock'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it.each([
    ['SIGTERM', ['--log-format-json']],
    ['SIGINT', ['--v=2']],
  ] as const)('stops promptly on %s when idle: exit 0, socket removed', async (signal, logArgs) => {
    const dir = await makeTempDir();
    const socketPath = join(dir, 'azure.sock');
    const daemon = new DaemonProcess([
      `--endpoint=unix://${socketPath}`,
      '--healthz-port=-1',
      '--prometheus-port=-1',
      ...logArgs,
    ]);
    started.push(daemon);
    await daemon.waitForLog('Listening for connections');
    const client = providerClient(socketPath);
    const version = await new Promise<string>((resolve, reject) =>
      client.version({ version: 'v1alpha1' }, (error, value) =>
        error ? reject(error) : resolve(value.version),
      ),
    );
    client.close();
    expect(version).toBe('v1alpha1');

    const signalledAt = performance.now();
    daemon.kill(signal);
    const { code, at } = await daemon.exited;
    expect(code).toBe(0);
    expect(at - signalledAt).toBeLessThan(5000);
    await expect(stat(socketPath)).rejects.toMatchObject({ code: 'ENOENT' });
    await daemon.waitForLog('stopped');
    if (signal === 'SIGINT') {
      // Text logs, and the configuration at -v 2.
      expect(daemon.stderr).toMatch(
        /^\d{4}-\d\d-\d\dT\S+Z INFO {2}configuration endpoint=unix:\/\/\S+ cloudName=AzurePublicCloud /m,
      );
    }
  });
});
