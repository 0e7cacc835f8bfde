import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { parseSecretProviderClasses } from '@keyvault-csi/spc';
import {
  CliUsageError,
  type FlagDefaults,
  parseCliFlags,
  parseDurationFlag,
  requireFlags,
} from './cli-flags.js';
import { driverAttributes } from './driver-attributes.js';
import { DriverMountError } from './driver-mount-error.js';
import { mountVolume } from './mount-volume.js';
import { connectProvider } from './provider-connection.js';
import { providerVersion } from './provider-version.js';

export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

const USAGE = `Usage:
  fake-csi-driver mount --socket <path> --spc <manifest.yaml> --pod-name <n> --pod-namespace <ns>
                        --target-path <dir> [--pod-uid <uid>] [--service-account <sa>]
                        [--secret-provider-class <name>] [--secrets <json>] [--permission 420] [--timeout 2m]
  fake-csi-driver version --socket <path>
`;

const SOCKET: FlagDefaults = { socket: '' };
const MOUNT: FlagDefaults = {
  ...SOCKET,
  spc: '',
  'secret-provider-class': '',
  'pod-name': '',
  'pod-namespace': '',
  'pod-uid': '',
  'service-account': '',
  'target-path': '',
  secrets: 'null',
  permission: '420',
  timeout: '2m',
};

/** `fake-csi-driver mount|version`; resolves with the exit code. */
export async function runCli(args: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = args;
  try {
    if (command === 'version') return await versionCommand(rest, io);
    if (command === 'mount') return await mountCommand(rest, io);
    io.stderr(USAGE);
    return command === undefined || command === '--help' || command === '-h' ? 0 : 1;
  } catch (error) {
    if (error instanceof CliUsageError) {
      io.stderr(`${error.message}\n${USAGE}`);
      return 1;
    }
    throw error;
  }
}

async function versionCommand(args: readonly string[], io: CliIo): Promise<number> {
  const flags = parseCliFlags(args, SOCKET);
  requireFlags(flags, 'socket');
  const client = connectProvider(flags.get('socket')!);
  try {
    io.stdout(`${JSON.stringify(await providerVersion(client))}\n`);
    return 0;
  } catch (error) {
    io.stderr(`${(error as Error).message}\n`);
    return 1;
  } finally {
    client.close();
  }
}

async function mountCommand(args: readonly string[], io: CliIo): Promise<number> {
  const flags = parseCliFlags(args, MOUNT);
  const get = (name: string) => flags.get(name)!;
  requireFlags(flags, 'socket', 'spc', 'pod-name', 'pod-namespace', 'target-path');
  const timeoutMs = parseDurationFlag('timeout', get('timeout'));
  const classes = parseSecretProviderClasses(await readFile(get('spc'), 'utf8'));
  const wanted = get('secret-provider-class');
  const matching = classes.filter((spc) => wanted === '' || spc.metadata.name === wanted);
  if (matching.length !== 1) {
    throw new CliUsageError(
      `${get('spc')}: expected one SecretProviderClass${wanted ? ` named ${wanted}` : ''}, found ${matching.length}`,
    );
  }
  const spc = matching[0]!;
  const pod = {
    name: get('pod-name'),
    namespace: get('pod-namespace'),
    ...(get('pod-uid') === '' ? {} : { uid: get('pod-uid') }),
    ...(get('service-account') === '' ? {} : { serviceAccountName: get('service-account') }),
  };
  const attributes = driverAttributes(spc.spec.parameters, pod, {
    secretProviderClass: spc.metadata.name,
    'csi.storage.k8s.io/ephemeral': 'true',
  });
  // The driver looks the socket up when it first needs the provider and fails at once without one
  // (its client then waits for a provider that stops listening, but not for one never started).
  if (!existsSync(get('socket'))) {
    const provider = spc.spec.provider;
    io.stderr(
      `${new DriverMountError('PROVIDER_NOT_FOUND', `error connecting to provider ${JSON.stringify(provider)}: provider not found: provider ${JSON.stringify(provider)}`).eventMessage(pod)}\n`,
    );
    return 1;
  }
  const client = connectProvider(get('socket'));
  try {
    const result = await mountVolume(client, {
      attributes,
      secrets: get('secrets'),
      permission: get('permission'),
      targetPath: get('target-path'),
      timeoutMs,
    });
    for (const [id, version] of result.objectVersions) io.stdout(`${id} ${version}\n`);
    io.stdout(
      `${result.changed ? 'wrote' : 'unchanged:'} ${result.response.files.length} file(s) in ${get('target-path')} (${Math.round(result.durationMs)} ms)\n`,
    );
    return 0;
  } catch (error) {
    if (error instanceof DriverMountError) {
      io.stderr(`${error.eventMessage(pod)}\n`);
      return 1;
    }
    throw error;
  } finally {
    client.close();
  }
}
