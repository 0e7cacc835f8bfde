import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { mountVolume } from '@keyvault-csi/fake-csi-driver';
import { buildMountAttributes } from '@keyvault-csi/spc';
import { readExamplePod, readSecretProviderClass } from './example-pod.js';
import { ProviderStack } from './provider-stack.js';

export interface DemoOptions {
  /** Repository root (holds examples/). */
  readonly root: string;
  /** Where the mount lands (default `<root>/.demo/mnt`). */
  readonly targetPath?: string;
  readonly print?: (line: string) => void;
}

export interface DemoResult {
  readonly files: Readonly<Record<string, string>>;
  readonly objectVersions: ReadonlyMap<string, string>;
}

/** The identity aad-pod-identity would assign to pods labelled `aadpodidbinding: demo`. */
export const DEMO_CLIENT_ID = '00000000-1111-2222-3333-444444444444';
export const DEMO_SECRET_VALUE = 'Hello from Azure Key Vault: this is secret1';

/**
 * The README's demo: the pod-identity example of `examples/pod-identity`, mounted through the
 * real daemon with a fake NMI and the Key Vault emulator standing in for Azure.
 */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const examples = path.join(options.root, 'examples/pod-identity');
  const spc = readSecretProviderClass(path.join(examples, 'secretproviderclass.yaml'));
  const pod = readExamplePod(path.join(examples, 'pod.yaml'));
  const targetPath = options.targetPath ?? path.join(options.root, '.demo/mnt');
  const workDir = path.join(path.dirname(targetPath), 'work');
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  mkdirSync(targetPath, { recursive: true });

  print(
    `SecretProviderClass ${spc.metadata.name} (vault ${spc.spec.parameters['keyvaultName']}), pod ${pod.namespace}/${pod.name}`,
  );
  const t0 = performance.now();
  const stack = await ProviderStack.start({
    workDir,
    nmi: { bindings: [{ namespace: pod.namespace, podName: pod.name, clientId: DEMO_CLIENT_ID }] },
  });
  try {
    print(
      `daemon pid ${stack.daemon.pid} serving on unix://${stack.socketPath} (${stack.startupMs.toFixed(0)} ms to first Version)`,
    );
    seedVault(stack, spc.spec.parameters['keyvaultName'] ?? 'kvname', workDir);
    print(
      `fake NMI ${stack.nmi.url}: ${pod.namespace}/${pod.name} (aadpodidbinding: ${pod.labels['aadpodidbinding']}) → client id ${DEMO_CLIENT_ID}`,
    );
    print(`Key Vault emulator: https://kvname.vault.azure.net via proxy ${stack.keyVault.proxyUrl}`);

    const attributes = buildMountAttributes(
      spc,
      { name: pod.name, namespace: pod.namespace, uid: randomUUID(), serviceAccountName: 'default' },
      { ...pod.volumeAttributes, 'csi.storage.k8s.io/ephemeral': 'true' },
    );
    const first = await mountVolume(stack.client, { attributes, targetPath });
    const again = await mountVolume(stack.client, { attributes, targetPath });
    print('');
    print(
      `mounted into ${targetPath} in ${first.durationMs.toFixed(1)} ms (rotation poll, unchanged: ${again.durationMs.toFixed(1)} ms)`,
    );
    const files = readVisibleFiles(targetPath);
    for (const [name, contents] of Object.entries(files)) {
      print(`── ${name} (${Buffer.byteLength(contents)} bytes)`);
      print(contents.trimEnd());
    }
    print('');
    print('object versions:');
    for (const [id, version] of first.objectVersions) print(`  ${id} = ${version}`);
    print('');
    print('metrics:');
    for (const line of summariseMetrics(await stack.metrics())) print(`  ${line}`);
    print('');
    print(
      `Key Vault requests: ${stack.keyVault.stats().total}, NMI calls: ${stack.nmi.calls}, total ${(performance.now() - t0).toFixed(0)} ms`,
    );
    return { files, objectVersions: first.objectVersions };
  } finally {
    const exit = await stack.daemon.stop();
    await stack.stop();
    print(`daemon stopped (exit code ${exit.code})`);
  }
}

function seedVault(stack: ProviderStack, vaultName: string, workDir: string): void {
  const keyPem = execFileSync(
    'openssl',
    ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'],
    {
      cwd: workDir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  );
  stack.keyVault
    .addVault(vaultName)
    .grant(DEMO_CLIENT_ID, { secrets: ['get'], keys: ['get'], certificates: ['get'] })
    .setSecret('secret1', DEMO_SECRET_VALUE);
  stack.keyVault.vault(vaultName).setKey('key1', { pem: keyPem });
}

/** The user-visible entries of a mount (through the `..data` symlinks), path → contents. */
export function readVisibleFiles(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (full: string, relative: string): void => {
    if (statSync(full).isDirectory()) {
      for (const name of readdirSync(full).sort()) walk(path.join(full, name), `${relative}/${name}`);
    } else {
      out[relative] = readFileSync(full, 'utf8');
    }
  };
  for (const name of readdirSync(dir).sort()) {
    if (!name.startsWith('..')) walk(path.join(dir, name), name);
  }
  return out;
}

function summariseMetrics(text: string): string[] {
  return text
    .split('\n')
    .filter((line) =>
      /^(keyvault_request_count|grpc_request_count|nmi_request_count|token_cache_total)/.test(line),
    )
    .filter((line) => !line.endsWith(' 0'));
}
