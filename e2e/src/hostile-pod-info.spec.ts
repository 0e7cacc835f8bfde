// Values kubelet never sends, from a namespace user's SecretProviderClass or a forged request
// (issue 12 §3): a 1 MiB pod name once became a 1.3 MB log line, and a pod name with CR/LF reached
// the NMI request headers and came back after 3.5 s of retries as "NMI not reachable". Against the
// built daemon as the chart runs it: such requests fail INVALID_ARGUMENT at once, before any NMI
// call, and no log line exceeds 4 KiB whatever the request carried.
import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { chartDaemonRuntime, ProviderStack } from '@keyvault-csi/demo';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mount, newPod, podIdentityParameters, type TestPod } from './support/mount.js';

let stack: ProviderStack;
const vault = `kvpod${randomUUID().replaceAll('-', '').slice(0, 8)}`;
const pod = newPod('web-0', 'pod-info');
const PREFIX = 'failed to mount objects, error: ';

beforeAll(async () => {
  const runtime = chartDaemonRuntime();
  stack = await ProviderStack.start({
    metrics: false,
    nodeOptions: runtime.nodeOptions,
    daemonEnv: runtime.env,
  });
  const clientId = randomUUID();
  stack.nmi.bind(pod.namespace, pod.name, clientId);
  stack.keyVault
    .addVault(vault)
    .grant(clientId, { secrets: ['get'] })
    .setSecret('db', 'value');
});

afterAll(async () => {
  await stack?.stop();
});

const parameters = (extra: Record<string, string> = {}) =>
  podIdentityParameters(vault, [{ objectName: 'db', objectType: 'secret' }], extra);

function longestLogLine(): number {
  return Math.max(...stack.daemon.output.split('\n').map((line) => Buffer.byteLength(line)));
}

describe('pod name, namespace and uid a kubelet would never send', () => {
  it.each<[string, Partial<TestPod>, RegExp]>([
    [
      'a 1 MiB pod name',
      { name: `web-${'x'.repeat(1 << 20)}` },
      /^invalid pod name "web-x{96}…": must be no more than 253 characters$/,
    ],
    [
      'CR/LF in the pod name',
      { name: 'web-0\r\npodns: kube-system' },
      /^invalid pod name "web-0\\r\\npodns: kube-system": a lowercase RFC 1123 subdomain/,
    ],
    [
      'an upper-case namespace',
      { namespace: 'Pod-Info' },
      /^invalid pod namespace "Pod-Info": a lowercase RFC 1123 label/,
    ],
    ['a uid that is not a UUID', { uid: 'uid-1\nx' }, /^invalid pod uid "uid-1\\nx": must be a UUID$/],
  ])('%s fails INVALID_ARGUMENT at once, without asking NMI', async (_name, change, message) => {
    const callsBefore = stack.nmi.calls;
    const started = performance.now();
    const outcome = await mount(stack, parameters(), { ...pod, ...change });
    expect(outcome.grpcCode).toBe(status.INVALID_ARGUMENT);
    expect(outcome.message?.startsWith(PREFIX)).toBe(true);
    expect(outcome.message?.slice(PREFIX.length)).toMatch(message);
    expect(outcome.message).not.toMatch(/[\r\n]/);
    expect(performance.now() - started).toBeLessThan(3000);
    expect(stack.nmi.calls).toBe(callsBefore);
    expect(longestLogLine()).toBeLessThanOrEqual(4096);
  });

  it('logs a huge SecretProviderClass name cut to 256 characters and still mounts', async () => {
    const spc = `spc-${'s'.repeat(100_000)}`;
    const outcome = await mount(stack, parameters({ secretProviderClass: spc }), pod);
    expect(outcome.message).toBeUndefined();
    const line = stack.daemon.output.split('\n').find((l) => l.includes('"spc":"spc-sss'));
    expect(line).toBeDefined();
    expect(JSON.parse(line!).spc).toBe(`spc-${'s'.repeat(252)}…(${spc.length - 256} more characters)`);
    expect(longestLogLine()).toBeLessThanOrEqual(4096);
  });
});
