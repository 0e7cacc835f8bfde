import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Server, ServerCredentials, type ServerUnaryCall, type sendUnaryData } from '@grpc/grpc-js';
import {
  CSIDriverProviderService,
  type MountRequest,
  MountResponse,
  VersionResponse,
} from '@keyvault-csi/csi-driver/proto';

/** What the provider answers: a response, a gRPC status, or `'hang'` (never answers, like a stopped process). */
export type MountScript = (
  request: MountRequest,
) => MountResponse | { code: number; details: string } | 'hang';

/**
 * A provider on a real unix socket that answers what the test scripts, including what a broken
 * provider would send (provider error codes, no object versions, bad paths), to exercise the
 * driver's checks.
 */
export class ScriptedProvider {
  readonly requests: MountRequest[] = [];
  script: MountScript = () => MountResponse.create();

  private constructor(
    readonly socketPath: string,
    private readonly server: Server,
  ) {}

  static async socketPath(): Promise<string> {
    return join(await mkdtemp(join(tmpdir(), 'fake-csi-driver-')), 'azure.sock');
  }

  static async start(socketPath?: string): Promise<ScriptedProvider> {
    const path = socketPath ?? (await ScriptedProvider.socketPath());
    const server = new Server();
    const provider = new ScriptedProvider(path, server);
    server.addService(CSIDriverProviderService, {
      version: (_call: ServerUnaryCall<unknown, VersionResponse>, callback: sendUnaryData<VersionResponse>) =>
        callback(
          null,
          VersionResponse.create({ version: 'v1alpha1', runtimeName: 'scripted', runtimeVersion: '0.0.1' }),
        ),
      mount: (call: ServerUnaryCall<MountRequest, MountResponse>, callback: sendUnaryData<MountResponse>) => {
        provider.requests.push(call.request);
        const answer = provider.script(call.request);
        if (answer === 'hang') return;
        if ('code' in answer) callback(answer);
        else callback(null, answer);
      },
    });
    await new Promise<void>((resolve, reject) =>
      server.bindAsync(`unix:${path}`, ServerCredentials.createInsecure(), (error) =>
        error ? reject(error) : resolve(),
      ),
    );
    return provider;
  }

  stop(): void {
    this.server.forceShutdown();
  }
}
