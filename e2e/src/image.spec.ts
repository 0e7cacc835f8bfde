import { execFile, execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ProviderStack } from '@keyvault-csi/demo';
import { providerVersion } from '@keyvault-csi/fake-csi-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { imageNodeBinary } from './support/image-node.js';
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

describe.skipIf(!runtime)('the image (deploy/Dockerfile built with a container runtime)', () => {
  it('builds, prints its version and serves a mount over a bind-mounted socket', async () => {
    const tag = `localhost/keyvault-csi-e2e:${randomUUID().slice(0, 8)}`;
    const buildArgs = process.env.KEYVAULT_CSI_NODE_IMAGE
      ? ['--build-arg', `NODE_IMAGE=${process.env.KEYVAULT_CSI_NODE_IMAGE}`]
      : [];
    await run(runtime!, ['build', ...buildArgs, '-f', 'deploy/Dockerfile', '-t', tag, '.'], {
      cwd: root,
      timeout: 1_200_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    try {
      const { stdout } = await run(runtime!, ['run', '--rm', '--read-only', tag, '--version']);
      expect(JSON.parse(stdout)).toMatchObject({ version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
      // The container's daemon, reached by the doubles on the host through host networking.
      const stack = await ProviderStack.start({
        daemonCommand: [
          runtime!,
          'run',
          '--rm',
          '--read-only',
          '--network=host',
          '--pid=host',
          '-v',
          '/tmp:/tmp',
          '-e',
          'HTTPS_PROXY',
          '-e',
          'NO_PROXY',
          '-e',
          'NODE_EXTRA_CA_CERTS',
          tag,
        ],
      });
      try {
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
        expect(outcome.files.map((f) => f.contents.toString())).toEqual(['from-the-container']);
      } finally {
        await stack.stop();
      }
    } finally {
      await run(runtime!, ['rmi', '-f', tag]).catch(() => undefined);
    }
  }, 1_500_000);
});
