import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { mountVolume } from '@keyvault-csi/fake-csi-driver';
import { buildMountAttributes } from '@keyvault-csi/spc';
import { readExamplePod, readSecretProviderClass } from './example-pod.js';
import { ProviderStack } from './provider-stack.js';

export interface DemoOptions {
  /** Repository root (holds examples/). */
  readonly root: string;
  /** Where the demo keeps its files (default `<root>/.demo`): `mnt/`, `work/`, `daemon.log`. */
  readonly dir?: string;
  /** Where the mount lands (default `<dir>/mnt`). */
  readonly targetPath?: string;
  readonly print?: (line: string) => void;
}

export interface DemoResult {
  readonly files: Readonly<Record<string, string>>;
  readonly objectVersions: ReadonlyMap<string, string>;
  /** Versions after the rotation (secret1 changed in Key Vault). */
  readonly rotatedObjectVersions: ReadonlyMap<string, string>;
}

/** A demo whose stack is still running (for `--keep`); `stop()` ends the daemon and the doubles. */
export interface RunningDemo {
  readonly result: DemoResult;
  readonly stack: ProviderStack;
  readonly dir: string;
  readonly targetPath: string;
  readonly daemonLog: string;
  /** The pod the example binds, for a `csi-driver mount` against the stack. */
  readonly pod: { readonly name: string; readonly namespace: string };
  readonly spcFile: string;
  stop(): Promise<void>;
}

/** The identity aad-pod-identity would assign to pods labelled `aadpodidbinding: demo`. */
export const DEMO_CLIENT_ID = '00000000-1111-2222-3333-444444444444';
export const DEMO_SECRET_VALUE = 'Hello from Azure Key Vault: this is secret1';
export const DEMO_ROTATED_VALUE = 'Hello again: secret1, rotated';

/**
 * The README's demo: the pod-identity example of `examples/pod-identity`, mounted through the
 * real daemon with a fake NMI and the Key Vault emulator standing in for Azure, then one rotation.
 */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const demo = await startDemo(options);
  await demo.stop();
  return demo.result;
}

/** {@link runDemo}, leaving the stack running until `stop()`. */
export async function startDemo(options: DemoOptions): Promise<RunningDemo> {
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const examples = path.join(options.root, 'examples/pod-identity');
  const spcFile = path.join(examples, 'secretproviderclass.yaml');
  const spc = readSecretProviderClass(spcFile);
  const pod = readExamplePod(path.join(examples, 'pod.yaml'));
  const dir = options.dir ?? path.join(options.root, '.demo');
  const targetPath = options.targetPath ?? path.join(dir, 'mnt');
  const workDir = path.join(dir, 'work');
  const daemonLog = path.join(dir, 'daemon.log');
  rmSync(workDir, { recursive: true, force: true });
  rmSync(targetPath, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  mkdirSync(targetPath, { recursive: true });
  const vaultName = spc.spec.parameters['keyvaultName'] ?? 'kvname';

  print(`SecretProviderClass ${spc.metadata.name} (vault ${vaultName}), pod ${pod.namespace}/${pod.name}`);
  const t0 = performance.now();
  const stack = await ProviderStack.start({
    workDir,
    nmi: { bindings: [{ namespace: pod.namespace, podName: pod.name, clientId: DEMO_CLIENT_ID }] },
    healthz: true,
    daemonProcess: { logFile: daemonLog, processGroup: true },
  });
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      const exit = await stack.daemon.stop();
      await stack.stop();
      print(`daemon stopped (exit code ${exit.code}); its log: ${shown(daemonLog)}`);
    })();
    return stopped;
  };
  try {
    print(
      `daemon pid ${stack.daemon.pid} serving on unix://${stack.socketPath} (${stack.startupMs.toFixed(0)} ms to first Version), log in ${shown(daemonLog)}`,
    );
    seedVault(stack, vaultName, workDir);
    print(
      `fake NMI ${stack.nmi.url}: ${pod.namespace}/${pod.name} (aadpodidbinding: ${pod.labels['aadpodidbinding']}) → client id ${DEMO_CLIENT_ID}`,
    );
    print(`Key Vault emulator: https://${vaultName}.vault.azure.net via proxy ${stack.keyVault.proxyUrl}`);

    const attributes = buildMountAttributes(
      spc,
      { name: pod.name, namespace: pod.namespace, uid: randomUUID(), serviceAccountName: 'default' },
      { ...pod.volumeAttributes, 'csi.storage.k8s.io/ephemeral': 'true' },
    );
    const first = await mountVolume(stack.client, { attributes, targetPath });
    const again = await mountVolume(stack.client, { attributes, targetPath });
    print('');
    print(
      `mounted into ${shown(targetPath)} in ${first.durationMs.toFixed(1)} ms (rotation poll, unchanged: ${again.durationMs.toFixed(1)} ms)`,
    );
    const files = readVisibleFiles(targetPath);
    for (const [name, contents] of Object.entries(files)) {
      print(`── ${name} (${Buffer.byteLength(contents)} bytes)`);
      print(contents.trimEnd());
    }
    print('');
    print(`$ ls -la ${shown(targetPath)}`);
    for (const line of listDirectory(targetPath)) print(`  ${line}`);
    print(
      '  Each file is a symlink through ..data to the timestamped directory holding this version of all files;',
    );
    print(
      '  an update writes a new directory and repoints ..data in one rename: readers see the old set or the new, never a mix.',
    );
    print('');
    print('object versions:');
    for (const [id, version] of first.objectVersions) print(`  ${id} = ${version}`);

    // One rotation, as the driver's rotation reconciler would do it: same Mount, new content.
    const dataBefore = readlinkSync(path.join(targetPath, '..data'));
    const rotated = stack.keyVault.vault(vaultName).setSecret('secret1', DEMO_ROTATED_VALUE);
    const rotation = await mountVolume(stack.client, { attributes, targetPath });
    const dataAfter = readlinkSync(path.join(targetPath, '..data'));
    print('');
    print(`rotation: secret1 set to a new value in Key Vault (version ${rotated.version}), mounted again:`);
    for (const [id, version] of rotation.objectVersions) {
      const before = first.objectVersions.get(id);
      print(`  ${id} = ${version}${before === version ? ' (unchanged)' : ` (was ${before})`}`);
    }
    print(
      `  ..data -> ${dataAfter} (was ${dataBefore}, ${existsEntry(targetPath, dataBefore) ? 'still there' : 'now removed'}): every file swapped by one rename`,
    );
    print(`  secret1: ${readFileSync(path.join(targetPath, 'secret1'), 'utf8').trimEnd()}`);

    print('');
    print('metrics:');
    for (const line of summariseMetrics(await stack.metrics())) print(`  ${line}`);
    print('');
    const stats = stack.keyVault.stats();
    print(
      `Key Vault requests: ${stats.total} = ${stats.probes} challenge${stats.probes === 1 ? '' : 's'} ` +
        `(the SDK's first, unauthenticated request per client; Key Vault answers 401 naming the tenant) + ` +
        `${stats.authorized} authorized GET${stats.authorized === 1 ? '' : 's'}` +
        (stats.rejected > 0 ? ` + ${stats.rejected} rejected` : ''),
    );
    print(`NMI calls: ${stack.nmi.calls}, total ${(performance.now() - t0).toFixed(0)} ms`);
    return {
      result: {
        files,
        objectVersions: first.objectVersions,
        rotatedObjectVersions: rotation.objectVersions,
      },
      stack,
      dir,
      targetPath,
      daemonLog,
      pod: { name: pod.name, namespace: pod.namespace },
      spcFile,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
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

/** `ls -la` of a mount; without an `ls`, the same columns that matter (type, mode, size, name, link). */
function listDirectory(dir: string): string[] {
  try {
    return execFileSync('ls', ['-la', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .trimEnd()
      .split('\n');
  } catch {
    return ownListing(dir);
  }
}

function ownListing(dir: string): string[] {
  return ['.', ...readdirSync(dir).sort()].map((name) => {
    const full = path.join(dir, name);
    const stats = lstatSync(full);
    const type = stats.isSymbolicLink() ? 'l' : stats.isDirectory() ? 'd' : '-';
    const mode = type + rwx(stats.mode);
    const link = stats.isSymbolicLink() ? ` -> ${readlinkSync(full)}` : '';
    return `${mode} ${String(stats.size).padStart(5)} ${name}${link}`;
  });
}

function rwx(mode: number): string {
  let text = '';
  for (const shift of [6, 3, 0]) {
    const bits = (mode >> shift) & 7;
    text += `${bits & 4 ? 'r' : '-'}${bits & 2 ? 'w' : '-'}${bits & 1 ? 'x' : '-'}`;
  }
  return text;
}

function existsEntry(dir: string, name: string): boolean {
  try {
    lstatSync(path.join(dir, name));
    return true;
  } catch {
    return false;
  }
}

/** A path relative to the working directory when it is below it (what a user would type). */
export function shown(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}

function summariseMetrics(text: string): string[] {
  return text
    .split('\n')
    .filter((line) =>
      /^(keyvault_request_count|grpc_request_count|nmi_request_count|token_cache_total)/.test(line),
    )
    .filter((line) => !line.endsWith(' 0'));
}
