import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { FlagError, type FlagSpecs, parseFlags } from '@keyvault-csi/csi-driver';
import { parseSecretProviderClasses } from '@keyvault-csi/spc';
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

const SOCKET: FlagSpecs = { socket: { kind: 'string', defaultText: '', usage: 'provider socket path' } };
const MOUNT: FlagSpecs = {
  ...SOCKET,
  spc: { kind: 'string', defaultText: '', usage: 'SecretProviderClass manifest' },
  'secret-provider-class': {
    kind: 'string',
    defaultText: '',
    usage: 'class name when the manifest has several',
  },
  'pod-name': { kind: 'string', defaultText: '', usage: 'pod name' },
  'pod-namespace': { kind: 'string', defaultText: '', usage: 'pod namespace' },
  'pod-uid': { kind: 'string', defaultText: '', usage: 'pod uid' },
  'service-account': { kind: 'string', defaultText: '', usage: 'pod service account' },
  'target-path': { kind: 'string', defaultText: '', usage: 'directory to write the files to' },
  secrets: { kind: 'string', defaultText: 'null', usage: 'nodePublishSecretRef data as JSON' },
  permission: { kind: 'string', defaultText: '420', usage: 'file permission JSON the driver sends' },
  timeout: { kind: 'duration', defaultText: '2m', usage: 'Mount deadline' },
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
    if (error instanceof FlagError) {
      io.stderr(`${error.message}\n${USAGE}`);
      return 1;
    }
    throw error;
  }
}

function required(values: ReadonlyMap<string, unknown>, ...names: string[]): void {
  for (const name of names) if (values.get(name) === '') throw new FlagError(`--${name} is required`);
}

async function versionCommand(args: readonly string[], io: CliIo): Promise<number> {
  const flags = parseFlags(args, SOCKET);
  required(flags.values, 'socket');
  const client = connectProvider(flags.values.get('socket') as string);
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
  const flags = parseFlags(args, MOUNT);
  const get = (name: string) => flags.values.get(name) as string;
  required(flags.values, 'socket', 'spc', 'pod-name', 'pod-namespace', 'target-path');
  const classes = parseSecretProviderClasses(await readFile(get('spc'), 'utf8'));
  const wanted = get('secret-provider-class');
  const matching = classes.filter((spc) => wanted === '' || spc.metadata.name === wanted);
  if (matching.length !== 1) {
    throw new FlagError(
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
      timeoutMs: flags.values.get('timeout') as number,
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
