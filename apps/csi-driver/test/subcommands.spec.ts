import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli.js';
import { DaemonProcess, runBinary } from './support/daemon-process.js';
import { CLIENT_ID, type Fakes, POD, startFakes, TENANT, VAULT } from './support/fakes.js';
import { makeTempDir } from './support/test-provider.js';

function manifest(objectsBlock: string, vault = VAULT): string {
  return `apiVersion: secrets-store.csi.x-k8s.io/v1
kind: SecretProviderClass
metadata:
  name: azure-kvname-podid
spec:
  provider: azure
  parameters:
    usePodIdentity: "true"
    keyvaultName: "${vault}"
    tenantId: "${TENANT}"
    objects: |
      array:
${objectsBlock}`;
}

const SECRET1 = `        - |
          objectName: secret1
          objectType: secret
`;

async function captureCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

describe('csi-driver mount (one-shot and --watch, built binary)', () => {
  let fakes: Fakes;
  let dir: string;
  let spcFile: string;
  const common = () => [
    `--spc=${spcFile}`,
    `--pod-name=${POD.name}`,
    `--pod-namespace=${POD.namespace}`,
    `--nmi-endpoint=${fakes.nmi.url}`,
    '--log-format-json',
  ];

  beforeAll(async () => {
    fakes = await startFakes();
    fakes.kv
      .addVault(VAULT)
      .grant(CLIENT_ID, { secrets: ['get'] })
      .setSecret('secret1', 'first value');
    dir = await makeTempDir();
    spcFile = join(dir, 'spc.yaml');
    await writeFile(spcFile, manifest(SECRET1));
  });
  afterAll(() => fakes?.stop());

  it('writes the files, and a failed run exits non-zero leaving them intact', async () => {
    const target = join(dir, 'one-shot');
    const ok = await runBinary(['mount', ...common(), `--target-path=${target}`]);
    expect(ok.code).toBe(0);
    expect(await readFile(join(target, 'secret1'), 'utf8')).toBe('first value');
    expect(ok.stdout).toMatch(/^0644 +11 secret1$/m);
    expect(ok.stdout).toContain(`wrote 1 file(s) in ${target}`);

    fakes.nmi.injectFaults({ status: 403, times: 1 });
    const denied = await runBinary(['mount', ...common(), `--target-path=${target}`]);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain('nmi response failed with status code: 403');
    expect(await readFile(join(target, 'secret1'), 'utf8')).toBe('first value');
  });

  it('names a bad command line', async () => {
    const noFile = await captureCli([
      'mount',
      ...common(),
      '--spc=/nonexistent.yaml',
      `--target-path=${dir}/x`,
    ]);
    expect(noFile.code).toBe(2);
    expect(noFile.stderr).toContain('cannot read --spc /nonexistent.yaml: ENOENT');
    expect(noFile.stderr).toContain("Run 'csi-driver mount --help' for usage.");
  });

  it('--watch rewrites only when the content changes, and stops on SIGTERM', async () => {
    const target = join(dir, 'watched');
    const watcher = new DaemonProcess([
      'mount',
      ...common(),
      `--target-path=${target}`,
      '--watch',
      '--interval=1s',
    ]);
    try {
      await watcher.waitForLog('files written');
      expect(await readFile(join(target, 'secret1'), 'utf8')).toBe('first value');
      await watcher.waitForLog('files unchanged');
      fakes.kv.vault(VAULT).setSecret('secret1', 'rotated value');
      const deadline = Date.now() + 10_000;
      while ((await readFile(join(target, 'secret1'), 'utf8')) !== 'rotated value' && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(await readFile(join(target, 'secret1'), 'utf8')).toBe('rotated value');
      watcher.kill('SIGTERM');
      expect((await watcher.exited).code).toBe(0);
      const written = watcher.stderrLines.filter((line) => line.includes('"msg":"files written"'));
      expect(written).toHaveLength(2);
      // Logs never carry a secret value or a token.
      expect(watcher.stderr).not.toMatch(/first value|rotated value|eyJ[\w-]{10,}\.[\w-]{10,}/);
    } finally {
      if (watcher.child.exitCode === null) watcher.kill('SIGKILL');
    }
  });
});
