import path from 'node:path';
import { chartDaemonRuntime, ProviderStack } from '@keyvault-csi/demo';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findGo, type GoTestRun, runGoTests } from './support/go-test.js';
import { StackControlServer } from './support/stack-control-server.js';

/**
 * The upstream Secrets Store CSI Driver's own code (its provider client and file writer, Go module
 * sigs.k8s.io/secrets-store-csi-driver v1.6.1) mounting volumes through our built daemon, run as the
 * Helm chart runs it, against the fake NMI and the Key Vault emulator: e2e/real-driver. Skipped, with
 * one line saying so, where Go is not installed.
 */

const moduleDir = path.resolve(import.meta.dirname, '../real-driver');

/** The Go tests in e2e/real-driver, each reported here as a test of its own. */
const GO_TESTS = [
  'TestPodIdentityExample',
  'TestCertificateWithChain',
  'TestObjectVersionHistory',
  'TestMountOverByteBudget',
  'TestResponseOverReceiveLimit',
  'TestConfigurationError',
  'TestRotation',
  'TestDaemonRestart',
] as const;

/**
 * The first run on a machine downloads the driver's modules and compiles its dependency tree
 * (client-go, controller-runtime, gRPC): about 4 minutes on 2 busy cores. Later runs take seconds.
 */
const GO_RUN_TIMEOUT_MS = 15 * 60_000;

const go = findGo();
if (!go.ok) console.warn(`real-driver: ${go.reason}: skipping the upstream-driver tests in e2e/real-driver`);

describe.skipIf(!go.ok)('the upstream Secrets Store CSI Driver v1.6.1 mounting through our daemon', () => {
  let stack: ProviderStack | undefined;
  let control: StackControlServer | undefined;
  let run: GoTestRun;

  beforeAll(async () => {
    const chart = chartDaemonRuntime();
    stack = await ProviderStack.start({
      nodeOptions: chart.nodeOptions,
      daemonEnv: chart.env,
      metrics: false,
    });
    control = await StackControlServer.start(stack);
    run = await runGoTests(moduleDir, {
      env: {
        ...process.env,
        KEYVAULT_CSI_PROVIDER_DIR: path.dirname(stack.socketPath),
        KEYVAULT_CSI_CONTROL_URL: control.url,
      },
      timeoutMs: GO_RUN_TIMEOUT_MS,
    });
    const perTest = [...run.results].map(([name, r]) => `${name} ${r.elapsedSeconds.toFixed(1)}s`).join(', ');
    if (process.env['REAL_DRIVER_VERBOSE']) for (const [, r] of run.results) console.log(r.output);
    console.log(
      `real-driver: ${go.ok ? go.version : ''} go test ${run.wallSeconds.toFixed(1)}s (${perTest})`,
    );
  }, GO_RUN_TIMEOUT_MS + 60_000);

  afterAll(async () => {
    const exit = await stack?.stopDaemon();
    const output = [...(control?.stoppedDaemonOutput ?? []), stack?.daemon.output ?? ''].join('\n');
    await control?.stop();
    await stack?.stop();
    // The log audit: no secret value the vaults served, no bearer token, no private key.
    for (const value of control?.secretValues ?? []) expect(output).not.toContain(value);
    expect(output).not.toMatch(/eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/);
    expect(output).not.toContain('PRIVATE KEY');
    expect(exit?.code).toBe(0);
  });

  it('builds and runs the Go module', () => {
    const failed = [...run.results].filter(([, r]) => r.action === 'fail').map(([name]) => name);
    // A build failure reports no test at all: show go's own output.
    expect(run.results.size, run.packageOutput).toBeGreaterThan(0);
    expect([...run.results.keys()].sort()).toEqual([...GO_TESTS].sort());
    expect(run.exitCode === 0 || failed.length > 0, run.packageOutput).toBe(true);
  });

  for (const name of GO_TESTS) {
    it(name, () => {
      const result = run.results.get(name);
      expect(result?.action, result?.output ?? `${name} did not run:\n${run.packageOutput}`).toBe('pass');
    });
  }
});
