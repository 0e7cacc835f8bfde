// Drop-in at the deployment level (issue 11, runtime half): the built daemon started as a
// reference manifest would start it — every klog flag, a health port already taken, the custom
// cloud through AZURE_ENVIRONMENT_FILEPATH — serves mounts; /metrics keeps the reference's label
// names and Go's code spellings; JSON log lines keep the reference's fields and stream.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { status } from '@grpc/grpc-js';
import { DaemonProcess, ProviderStack } from '@keyvault-csi/demo';
import { connectProvider, providerVersion } from '@keyvault-csi/fake-csi-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mount, newPod, podIdentityParameters } from './support/mount.js';

let stack: ProviderStack;
const started: { daemon: DaemonProcess; close(): void }[] = [];

beforeAll(async () => {
  stack = await ProviderStack.start({ metrics: false });
});

afterAll(async () => {
  await Promise.all(
    started.map(async (d) => {
      d.close();
      await d.daemon.stop('SIGKILL');
    }),
  );
  await stack?.stop();
});

/** A daemon of our own beside the stack's, on its own socket, with stdout and stderr kept apart. */
interface OwnDaemon {
  readonly daemon: DaemonProcess;
  readonly via: ProviderStack;
  readonly stdout: () => string;
  readonly stderr: () => string;
  stop(): Promise<number | null>;
}

async function startDaemon(
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; json?: boolean; waitForVersion?: boolean } = {},
): Promise<OwnDaemon> {
  const socketDir = path.join(stack.workDir, `d-${randomUUID().slice(0, 8)}`);
  mkdirSync(socketDir, { mode: 0o700 });
  const socketPath = path.join(socketDir, 'azure.sock');
  const daemon = new DaemonProcess(
    [
      `--endpoint=unix://${socketPath}`,
      `--nmi-endpoint=${stack.nmi.url}`,
      '--healthz-port=-1',
      '--prometheus-port=-1',
      ...(options.json === false ? [] : ['--log-format-json']),
      ...args,
    ],
    {
      ...process.env,
      HTTPS_PROXY: stack.keyVault.proxyUrl,
      NO_PROXY: '127.0.0.1,localhost',
      NODE_EXTRA_CA_CERTS: stack.keyVault.caCertPath,
      ...options.env,
    },
  );
  // Attached in the same tick as the spawn: no output is missed.
  let stdout = '';
  let stderr = '';
  daemon.child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  daemon.child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const client = connectProvider(socketPath);
  const own = {
    daemon,
    via: { ...stack, client } as ProviderStack,
    stdout: () => stdout,
    stderr: () => stderr,
    async stop() {
      client.close();
      return (await daemon.stop('SIGTERM')).code;
    },
  };
  started.push({ daemon, close: () => client.close() });
  if (options.waitForVersion !== false) {
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (daemon.exit) throw new Error(`the daemon exited ${JSON.stringify(daemon.exit)}:\n${daemon.output}`);
      const ok = await providerVersion(client, 1000).then(
        () => true,
        () => false,
      );
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`the daemon never served Version:\n${daemon.output}`);
      await delay(25);
    }
  }
  return own;
}

/** A vault with one secret the pod may read; returns the mount parameters. */
function seed(value = `compat-${randomUUID()}`) {
  const pod = newPod(`compat-${randomUUID().slice(0, 8)}`, 'compat');
  const vault = `kvc${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const clientId = randomUUID();
  stack.nmi.bind(pod.namespace, pod.name, clientId);
  stack.keyVault
    .addVault(vault)
    .grant(clientId, { secrets: ['get'] })
    .setSecret('s1', value);
  return {
    pod,
    vault,
    value,
    params: podIdentityParameters(vault, [{ objectName: 's1', objectType: 'secret' }]),
  };
}

async function expectMountServed(own: OwnDaemon, extra: Record<string, string> = {}): Promise<void> {
  const { pod, value, params } = seed();
  const outcome = await mount(own.via, { ...params, ...extra }, pod);
  expect(outcome.message, own.daemon.output).toBeUndefined();
  expect(outcome.files.find((f) => f.path === 's1')?.contents.toString()).toBe(value);
}

function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

// Every flag klog.InitFlags registers on the reference binary (and the two of newer klog), each in
// another of Go's spellings.
const KLOG_FLAGS: [string, string][] = [
  ['logtostderr', 'true'],
  ['alsologtostderr', 'false'],
  ['alsologtostderrthreshold', 'INFO'],
  ['stderrthreshold', 'WARNING'],
  ['legacy_stderr_threshold_behavior', 'true'],
  ['log_file', '/tmp/never-written.log'],
  ['log_file_max_size', '1800'],
  ['log_dir', '/tmp'],
  ['vmodule', 'provider=5'],
  ['log_backtrace_at', 'main.go:1'],
  ['add_dir_header', 'true'],
  ['skip_headers', 'true'],
  ['skip_log_headers', 'true'],
  ['one_output', 'true'],
];
const SPELLINGS = [
  (n: string, v: string) => [`--${n}=${v}`],
  (n: string, v: string) => [`-${n}=${v}`],
  (n: string, v: string) => [`--${n}`, v],
  (n: string, v: string) => [`-${n}`, v],
];

describe('start-up as a reference manifest runs it', () => {
  it('starts with each klog flag and serves a mount', async () => {
    const cases = KLOG_FLAGS.map(([name, value], i) => SPELLINGS[i % SPELLINGS.length]!(name, value));
    // Two at a time: each is a real process start on a shared 2-core machine.
    for (let i = 0; i < cases.length; i += 2) {
      await Promise.all(
        cases.slice(i, i + 2).map(async (args) => {
          const own = await startDaemon(args, { json: false });
          await expectMountServed(own);
          expect(await own.stop(), own.daemon.output).toBe(0);
          expect(own.daemon.output).not.toContain('flag provided but not defined');
        }),
      );
    }
  }, 180_000);

  it('writes --log_file with --logtostderr=false, copying only error lines to stderr', async () => {
    const file = path.join(stack.workDir, `provider-${randomUUID().slice(0, 8)}.log`);
    const own = await startDaemon(['-logtostderr=false', `-log_file=${file}`], { json: false });
    await expectMountServed(own);
    const { pod, params } = seed();
    const failed = await mount(
      own.via,
      { ...params, objects: params.objects!.replace('s1', 'missing') },
      pod,
    );
    expect(failed.grpcCode).toBe(status.NOT_FOUND);
    expect(await own.stop()).toBe(0);
    const written = readFileSync(file, 'utf8');
    expect(written).toContain('Starting Azure Key Vault Provider');
    expect(written).toMatch(/INFO +mount /);
    expect(written).toMatch(/ERROR failed to process mount request /);
    // klog's default --stderrthreshold=ERROR: the error line, and no info line, on stderr.
    expect(own.stderr()).toMatch(/ERROR failed to process mount request /);
    expect(own.stderr()).not.toContain('Starting Azure Key Vault Provider');
  });

  it('keeps serving mounts when the health and metrics ports are taken, logging each at error level', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const own = await startDaemon([`--healthz-port=${port}`, `--prometheus-port=${port}`]);
      await expectMountServed(own);
      const errors = jsonLines(own.stderr()).filter((r) => r['err'] !== undefined);
      expect(errors.map((r) => r['msg'])).toEqual([
        'listen and server error',
        'failed to start health check server',
      ]);
      for (const record of errors) expect(record['err']).toMatch(/bind: address already in use$/);
      expect(await own.stop()).toBe(0);
    } finally {
      blocker.close();
    }
  });

  it('--healthz-port=0 serves /healthz on a free port, as Go does', async () => {
    const own = await startDaemon(['--healthz-port=0', '--http-bind-address=127.0.0.1']);
    const listening = jsonLines(own.stderr()).find((r) => r['msg'] === 'Listening for connections');
    const port = listening?.['healthzPort'] as number;
    expect(port).toBeGreaterThan(0);
    const response = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('ok');
    expect(await own.stop()).toBe(0);
  });
});

describe('AzureStackCloud through AZURE_ENVIRONMENT_FILEPATH', () => {
  // The emulator serves every built-in suffix; the file points at the China cloud's, so the NMI
  // resource and the vault host show the file was read and used.
  const customCloud = JSON.stringify({
    name: 'AzureStackCloud',
    activeDirectoryEndpoint: 'https://login.chinacloudapi.cn/',
    keyVaultEndpoint: 'https://vault.azure.cn/',
    keyVaultDNSSuffix: 'vault.azure.cn',
  });

  it('--cloud-name=AzureStackCloud starts with the file and mounts SPCs with and without cloudName', async () => {
    const dir = path.join(stack.workDir, `cloud-${randomUUID().slice(0, 8)}`);
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'real.json'), customCloud);
    // As a ConfigMap volume presents it: the path is a symbolic link (the operator's file may be).
    const file = path.join(dir, 'azurestackcloud.json');
    symlinkSync(path.join(dir, 'real.json'), file);
    const own = await startDaemon(['--cloud-name=AzureStackCloud'], {
      env: { AZURE_ENVIRONMENT_FILEPATH: file },
    });
    const before = stack.nmi.requests.length;
    await expectMountServed(own);
    await expectMountServed(own, { cloudName: 'AzureStackCloud' });
    const resources = stack.nmi.requests.slice(before).map((r) => r.resource);
    expect(resources.length).toBeGreaterThan(0);
    expect(new Set(resources)).toEqual(new Set(['https://vault.azure.cn']));
    expect(await own.stop()).toBe(0);
  });

  it('exits 1 naming the file when --cloud-name=AzureStackCloud has no readable file', async () => {
    const own = await startDaemon(['--cloud-name=AzureStackCloud'], {
      env: { AZURE_ENVIRONMENT_FILEPATH: '/nonexistent/cloud.json' },
      waitForVersion: false,
    });
    const exit = await own.daemon.exited;
    expect(exit.code).toBe(1);
    const [record] = jsonLines(own.stderr()).filter(
      (r) => r['msg'] === 'failed validating default cloud environment',
    );
    expect(record).toMatchObject({
      cloudName: 'AzureStackCloud',
      err: 'cloudName AzureStackCloud is not valid, error: open /nonexistent/cloud.json: no such file or directory',
    });
  });

  it('refuses an SPC cloudEnvFileName that is a symbolic link, and keeps serving', async () => {
    const dir = path.join(stack.workDir, `cloud-${randomUUID().slice(0, 8)}`);
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'real.json'), customCloud);
    symlinkSync(path.join(dir, 'real.json'), path.join(dir, 'link.json'));
    const { pod, params } = seed();
    const link = path.join(dir, 'link.json');
    const refused = await mount(
      stack,
      { ...params, cloudName: 'AzureStackCloud', cloudEnvFileName: link },
      pod,
    );
    expect(refused.grpcCode).toBe(status.INVALID_ARGUMENT);
    expect(refused.message).toBe(
      `failed to mount objects, error: cloudName AzureStackCloud is not valid, error: open ${link}: is a symbolic link, which is not followed (name the regular file itself)`,
    );
    const real = path.join(dir, 'real.json');
    const served = await mount(
      stack,
      { ...params, cloudName: 'AzureStackCloud', cloudEnvFileName: real },
      pod,
    );
    expect(served.message).toBeUndefined();
    expect(existsSync(real)).toBe(true);
  });
});

describe('metrics and logs keep dashboards and queries working', () => {
  it('/metrics after a failed and a successful mount has the reference label names and Go code spellings', async () => {
    const own = await startDaemon(['--prometheus-port=0', '--http-bind-address=127.0.0.1']);
    await expectMountServed(own);
    const { pod, params } = seed();
    const failed = await mount(
      own.via,
      { ...params, objects: params.objects!.replace('s1', 'missing') },
      pod,
    );
    expect(failed.grpcCode).toBe(status.NOT_FOUND);
    const listening = jsonLines(own.stderr()).find((r) => r['msg'] === 'Listening for connections');
    const text = await (await fetch(`http://127.0.0.1:${listening?.['metricsPort']}/metrics`)).text();
    const constant =
      'provider="azure",os_type="linux",service_name="csi-secrets-store-provider-azure",otel_scope_name="csi-secrets-store-provider-azure"';
    expect(text).toMatch(
      new RegExp(
        `grpc_request_count\\{grpc_method="/v1alpha1.CSIDriverProvider/Mount",grpc_code="OK",${constant}\\} 1`,
      ),
    );
    expect(text).toMatch(
      new RegExp(
        `grpc_request_count\\{grpc_method="/v1alpha1.CSIDriverProvider/Mount",grpc_code="NotFound",${constant}\\} 1`,
      ),
    );
    expect(text).toMatch(
      new RegExp(
        `keyvault_request_count\\{object_type="secret",operation="get",error="",${constant}\\} [1-9]`,
      ),
    );
    expect(text).toMatch(
      new RegExp(
        `keyvault_request_count\\{object_type="secret",operation="get",error="not_found",${constant}\\} 1`,
      ),
    );
    // `{error!=""}` alerts fire: exactly the failed request carries a non-empty error.
    expect(text).not.toMatch(/grpc_code="[A-Z]+_[A-Z_]+"/);
    expect(text).not.toMatch(/object_name=|grpc_message=|missing/);
    expect(await own.stop()).toBe(0);
  });

  it('JSON lines carry ts, caller, msg, v and err, all on stderr as the reference', async () => {
    const before = Date.now();
    const own = await startDaemon([]);
    await expectMountServed(own);
    const { pod, params } = seed();
    await mount(own.via, { ...params, objects: params.objects!.replace('s1', 'missing') }, pod);
    expect(await own.stop()).toBe(0);
    expect(own.stdout()).toBe('');
    const records = jsonLines(own.stderr());
    for (const record of records) {
      // component-base writes ts as Unix milliseconds with a fraction.
      expect(record['ts']).toBeGreaterThanOrEqual(before);
      expect(record['ts']).toBeLessThan(Date.now() + 1000);
      expect(typeof record['caller']).toBe('string');
      expect(typeof record['msg']).toBe('string');
      if (record['err'] === undefined) expect(record['v']).toBeTypeOf('number');
    }
    const messages = records.map((r) => r['msg']);
    expect(messages).toEqual(
      expect.arrayContaining([
        'Starting Azure Key Vault Provider',
        'construct pem chain feature enabled',
        'Listening for connections',
        'terminating the server',
      ]),
    );
    const failure = records.find((r) => r['msg'] === 'failed to process mount request');
    expect(failure).toMatchObject({
      caller: 'mount/mount-call.ts',
      outcome: 'NOT_FOUND',
      pod: `${pod.namespace}/${pod.name}`,
    });
    expect(failure?.['err']).toMatch(/missing/);
    expect(failure).not.toHaveProperty('v');
    expect(records.find((r) => r['msg'] === 'mount')).toMatchObject({ v: 0, caller: 'mount/mount-call.ts' });
  });

  it('--log-json-split-stream puts error lines on stderr and the others on stdout', async () => {
    const own = await startDaemon(['--log-json-split-stream']);
    const { pod, params } = seed();
    await mount(own.via, { ...params, objects: params.objects!.replace('s1', 'missing') }, pod);
    expect(await own.stop()).toBe(0);
    expect(jsonLines(own.stderr()).map((r) => r['msg'])).toEqual(['failed to process mount request']);
    expect(jsonLines(own.stdout()).map((r) => r['msg'])).toContain('Starting Azure Key Vault Provider');
  });
});
