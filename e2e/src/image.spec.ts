import { execFile, execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ProviderStack } from '@keyvault-csi/demo';
import { providerVersion } from '@keyvault-csi/fake-csi-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { imageNodeBinary } from './support/image-node.js';
import { nodeBaseImage } from './support/local-node-image.js';
import { mount, newPod, podIdentityParameters } from './support/mount.js';
import {
  buildProductionTree,
  imageNodeImage,
  imageRuntime,
  nativeAddons,
} from './support/production-tree.js';

/**
 * The image's contents without a container runtime: /app built as deploy/Dockerfile's prune stage
 * builds it (a clean copy, `npm ci --omit=dev` for the app's workspace), then started with the
 * image's ENTRYPOINT and ENV on the Node major of its base image.
 */

const root = path.resolve(import.meta.dirname, '../..');
const run = promisify(execFile);
let tree: string;

beforeAll(() => {
  tree = mkdtempSync(path.join(os.tmpdir(), 'keyvault-csi-app-'));
  // The registry stays the source; the local cache only saves downloads (same lockfile, same bytes).
  buildProductionTree(tree, { ...process.env, npm_config_prefer_offline: 'true' });
}, 600_000);

afterAll(() => {
  if (tree) rmSync(tree, { recursive: true, force: true });
});

/** The ENTRYPOINT with /app pointing at the tree and node at the image's Node major. */
function entrypoint(): [string, ...string[]] {
  const { entrypoint: command } = imageRuntime();
  expect(command[0]).toBe('node');
  return [imageNodeBinary(), ...command.slice(1).map((a) => a.replace(/^\/app(?=\/|$)/, tree))];
}

describe('the image (production tree)', () => {
  it('runs on the Node major of its base image', () => {
    const major = /^node:(\d+)-/.exec(imageNodeImage())?.[1];
    expect(major, imageNodeImage()).toBeDefined();
    expect(execFileSync(imageNodeBinary(), ['--version'], { encoding: 'utf8' })).toMatch(
      new RegExp(`^v${major}\\.`),
    );
  });

  it('holds only the app, its libraries and their production dependencies, none a native addon', () => {
    expect(nativeAddons(path.join(tree, 'node_modules'))).toEqual([]);
    const installed = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], {
      cwd: tree,
      encoding: 'utf8',
    });
    for (const devOnly of ['vitest', 'typescript', 'nx', '@biomejs/biome', 'fast-check']) {
      expect(installed).not.toContain(`/node_modules/${devOnly}\n`);
    }
    expect(installed).not.toMatch(/\/tools\/|\/e2e\b/);
  });

  it('starts the way the chart starts it (same Node flags and environment)', () => {
    const values = parse(readFileSync(path.join(root, 'deploy/helm/keyvault-csi/values.yaml'), 'utf8'));
    const { entrypoint: command, env } = imageRuntime();
    expect(command.slice(1, -1)).toEqual(values.linux.nodeFlags);
    expect(command.at(-1)).toBe('/app/apps/csi-driver/dist/main.js');
    for (const [name, value] of Object.entries(values.linux.env as Record<string, string>)) {
      expect(env[name], name).toBe(String(value));
    }
  });

  it('prints its version, answers Version and serves a mount against the doubles', async () => {
    const [node, ...prefix] = entrypoint();
    const { stdout } = await run(node, [...prefix, '--version'], { env: imageRuntime().env });
    expect(JSON.parse(stdout)).toMatchObject({ version: expect.stringMatching(/^\d+\.\d+\.\d+/) });

    const stack = await ProviderStack.start({
      daemonCommand: [node, ...prefix],
      daemonEnv: imageRuntime().env,
      healthz: true,
    });
    try {
      expect(await providerVersion(stack.client, 5000)).toMatchObject({ runtimeName: expect.any(String) });
      expect((await fetch(stack.healthzUrl!)).status).toBe(200);
      const pod = newPod('image-pod');
      const clientId = randomUUID();
      stack.nmi.bind(pod.namespace, pod.name, clientId);
      stack.keyVault
        .addVault('kvimage')
        .grant(clientId, { secrets: ['get'] })
        .setSecret('s1', 'from-the-image');
      const outcome = await mount(
        stack,
        podIdentityParameters('kvimage', [{ objectName: 's1', objectType: 'secret' }]),
        pod,
      );
      expect(outcome.message).toBeUndefined();
      expect(outcome.files.map((f) => [f.path, f.contents.toString()])).toEqual([['s1', 'from-the-image']]);
    } finally {
      await stack.stop();
    }
  });
});

/** A container runtime that can build here: podman, or docker with a reachable daemon. */
function containerRuntime(): string | undefined {
  for (const candidate of ['podman', 'docker']) {
    try {
      execFileSync(candidate, ['info'], { stdio: 'ignore', timeout: 20_000 });
      return candidate;
    } catch {
      // not installed, or no daemon
    }
  }
  return undefined;
}

const runtime = containerRuntime();
if (!runtime) {
  console.log('image build test skipped: no podman (or docker with a running daemon) on this machine');
}

/**
 * deploy/Dockerfile built by a container runtime and run as the chart runs it: its ENTRYPOINT (the
 * chart's command), the chart's `--endpoint=unix:///provider/azure.sock` with the socket directory
 * bind-mounted from the host (where the fake CSI driver dials it), a read-only root filesystem and
 * host networking (the doubles listen on the host's 127.0.0.1). When the Dockerfile's base image
 * cannot be pulled, one is assembled locally (support/local-node-image.ts) and cached.
 */
describe.skipIf(!runtime)('the image (deploy/Dockerfile built with a container runtime)', () => {
  const tag = `localhost/keyvault-csi-e2e:${randomUUID().slice(0, 8)}`;
  const containers: string[] = [];
  /** Image ids present before the build: the build's own layers (about 1 GB) are removed after. */
  let imagesBefore: Set<string> | undefined;
  const imageIds = async () =>
    new Set((await run(runtime!, ['images', '-a', '-q', '--no-trunc'])).stdout.split('\n').filter(Boolean));

  beforeAll(async () => {
    const base = await nodeBaseImage({ runtime: runtime!, defaultImage: imageNodeImage() });
    imagesBefore = await imageIds();
    const started = performance.now();
    try {
      // Host network: `npm ci` in the build stage reaches the registry the way the host does.
      await run(
        runtime!,
        ['build', '--network=host', ...base.buildArgs, '-f', 'deploy/Dockerfile', '-t', tag, '.'],
        { cwd: root, timeout: 1_800_000, maxBuffer: 256 * 1024 * 1024 },
      );
    } catch (error) {
      const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
      throw new Error(
        `${runtime} build -f deploy/Dockerfile on ${base.image} failed (if ${runtime} cannot start any container on this host, see deploy/README.md, "Building the image with podman"):\n${`${stdout}\n${stderr}`.slice(-6000)}`,
      );
    }
    const buildMs = performance.now() - started;
    const { stdout: size } = await run(runtime!, ['image', 'inspect', '--format', '{{.Size}}', tag]);
    console.log(
      `image build: base ${base.image} (${base.source} in ${(base.elapsedMs / 1000).toFixed(1)} s), ` +
        `${runtime} build ${(buildMs / 1000).toFixed(1)} s, image ${(Number(size) / 1e6).toFixed(0)} MB`,
    );
  }, 3_600_000);

  afterAll(async () => {
    for (const name of containers) await run(runtime!, ['rm', '-f', name]).catch(() => undefined);
    await run(runtime!, ['rmi', '-f', tag]).catch(() => undefined);
    // Every source change makes new build-stage layers; keep only what existed before (the cached
    // base image among them), so repeated runs do not fill the disk.
    if (imagesBefore) {
      const created = [...(await imageIds())].filter((id) => !imagesBefore!.has(id));
      if (created.length) await run(runtime!, ['rmi', '-f', ...created]).catch(() => undefined);
    }
  }, 300_000);

  it('prints its version from a read-only root filesystem, on the Node major of its base', async () => {
    const { stdout } = await run(runtime!, [
      'run',
      '--rm',
      '--read-only',
      '--network=none',
      tag,
      '--version',
    ]);
    expect(JSON.parse(stdout)).toMatchObject({ version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    const major = /^node:(\d+)-/.exec(imageNodeImage())?.[1];
    const { stdout: nodeVersion } = await run(runtime!, [
      'run',
      '--rm',
      '--network=none',
      '--entrypoint=node',
      tag,
      '--version',
    ]);
    expect(nodeVersion).toMatch(new RegExp(`^v${major}\\.`));
  }, 120_000);

  it('answers Version and serves a mount over the bind-mounted socket directory', async () => {
    const workDir = mkdtempSync(path.join(os.tmpdir(), 'keyvault-csi-container-'));
    const name = `keyvault-csi-e2e-${randomUUID().slice(0, 8)}`;
    containers.push(name);
    try {
      // ProviderStack makes <workDir>/provider (the socket) and <workDir>/tls (the test CA the
      // daemon trusts through NODE_EXTRA_CA_CERTS) before it starts the daemon.
      const stack = await ProviderStack.start({
        workDir,
        healthz: true,
        daemonCommand: [
          runtime!,
          'run',
          '--rm',
          `--name=${name}`,
          '--read-only',
          '--network=host',
          '-v',
          `${path.join(workDir, 'provider')}:/provider`,
          '-v',
          `${path.join(workDir, 'tls')}:${path.join(workDir, 'tls')}:ro`,
          '-e',
          'HTTPS_PROXY',
          '-e',
          'NO_PROXY',
          '-e',
          'NODE_EXTRA_CA_CERTS',
          tag,
        ],
        daemonArgs: ['--endpoint=unix:///provider/azure.sock'],
      });
      try {
        expect(await providerVersion(stack.client, 5000)).toMatchObject({ runtimeName: expect.any(String) });
        expect((await fetch(stack.healthzUrl!)).status).toBe(200);
        const pod = newPod('container-pod');
        const clientId = randomUUID();
        stack.nmi.bind(pod.namespace, pod.name, clientId);
        stack.keyVault
          .addVault('kvcontainer')
          .grant(clientId, { secrets: ['get'] })
          .setSecret('s1', 'from-the-container');
        const outcome = await mount(
          stack,
          podIdentityParameters('kvcontainer', [{ objectName: 's1', objectType: 'secret' }]),
          pod,
        );
        expect(outcome.message).toBeUndefined();
        expect(outcome.files.map((f) => [f.path, f.contents.toString()])).toEqual([
          ['s1', 'from-the-container'],
        ]);
        expect(await stack.metrics()).toMatch(/grpc_request_count\{[^}]*grpc_code="OK"/);
      } finally {
        await stack.stop();
      }
      // SIGTERM reached the daemon through the runtime: it stopped gracefully and removed its socket.
      expect(existsSync(path.join(workDir, 'provider', 'azure.sock'))).toBe(false);
    } finally {
      rmSync(workDir, { recursive: true, force: true });
    }
  }, 180_000);
});
