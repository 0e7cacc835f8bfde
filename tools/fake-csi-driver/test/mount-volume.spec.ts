import { mkdtemp, readFile, readlink, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { MountResponse } from '@keyvault-csi/csi-driver/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectProvider,
  DRIVER_MAX_RECEIVE_BYTES,
  DriverMountError,
  driverAttributes,
  mountVolume,
} from '../src/index.js';
import { ScriptedProvider } from './scripted-provider.js';

const file = (path: string, text: string) => ({ path, mode: 420, contents: Buffer.from(text) });
const attributes = driverAttributes({ keyvaultName: 'kv' }, { name: 'web-0', namespace: 'shop' });

describe('mountVolume against a scripted provider', () => {
  let provider: ScriptedProvider;
  let client: ReturnType<typeof connectProvider>;
  let target: string;

  beforeAll(async () => {
    provider = await ScriptedProvider.start();
    client = connectProvider(provider.socketPath);
    target = await mkdtemp(join(tmpdir(), 'fake-csi-target-'));
  });
  afterAll(() => {
    client?.close();
    provider?.stop();
  });

  it('sends what the driver sends and writes the returned files atomically', async () => {
    provider.script = () =>
      MountResponse.create({
        objectVersion: [
          { id: 'secret/a', version: 'v1' },
          { id: 'secret/a', version: 'v2' },
        ],
        files: [file('a', 'alpha'), file('dir/b', 'beta')],
      });
    const result = await mountVolume(client, { attributes, targetPath: target });
    expect(provider.requests.at(-1)).toMatchObject({
      attributes,
      secrets: 'null',
      permission: '420',
      currentObjectVersion: [],
    });
    expect(result.objectVersions).toEqual(new Map([['secret/a', 'v2']]));
    expect(result.changed).toBe(true);
    expect(await readFile(join(target, 'a'), 'utf8')).toBe('alpha');
    expect(await readFile(join(target, 'dir/b'), 'utf8')).toBe('beta');
    const again = await mountVolume(client, { attributes, targetPath: target });
    expect(again.changed).toBe(false);
  });

  it('fails like the driver on a gRPC status, in Go code names', async () => {
    provider.script = () => ({ code: status.NOT_FOUND, details: 'failed to mount objects, error: nope' });
    const error = await mountVolume(client, { attributes, targetPath: target }).then(
      () => expect.unreachable('the mount should fail'),
      (e: unknown) => e as DriverMountError,
    );
    expect(error).toBeInstanceOf(DriverMountError);
    expect(error.code).toBe('RPC_ERROR');
    expect(error.grpcCode).toBe(status.NOT_FOUND);
    expect(error.message).toBe('rpc error: code = NotFound desc = failed to mount objects, error: nope');
    expect(error.eventMessage({ namespace: 'shop', name: 'web-0' })).toBe(
      'failed to mount secrets store objects for pod shop/web-0, err: rpc error: code = NotFound desc = failed to mount objects, error: nope',
    );
  });

  it('rejects a provider error code and missing object versions, keeping the previous files', async () => {
    provider.script = () =>
      MountResponse.create({ error: { code: 'E42' }, objectVersion: [{ id: 'x', version: '1' }] });
    await expect(mountVolume(client, { attributes, targetPath: target })).rejects.toThrow(
      'mount request failed with provider error code E42',
    );
    provider.script = () => MountResponse.create({ files: [file('a', 'changed')] });
    await expect(mountVolume(client, { attributes, targetPath: target })).rejects.toMatchObject({
      code: 'MISSING_OBJECT_VERSIONS',
      message: 'missing object versions',
    });
    provider.script = () =>
      MountResponse.create({ objectVersion: [{ id: 'x', version: '1' }], files: [file('../escape', 'x')] });
    await expect(mountVolume(client, { attributes, targetPath: target })).rejects.toMatchObject({
      code: 'FILE_WRITE_ERROR',
      message: "invalid path: must not contain '..': ../escape",
    });
    provider.script = () =>
      MountResponse.create({ objectVersion: [{ id: 'x', version: '1' }], files: [file('a/', 'x')] });
    await expect(mountVolume(client, { attributes, targetPath: target })).rejects.toMatchObject({
      code: 'FILE_WRITE_ERROR',
      message: 'invalid filepath: "a/"',
    });
    expect(await readFile(join(target, 'a'), 'utf8')).toBe('alpha');
  });

  it('sends the current object versions it is given (drivers up to v1.5 did on rotation)', async () => {
    provider.script = () => MountResponse.create({ objectVersion: [{ id: 'secret/a', version: 'v2' }] });
    await mountVolume(client, {
      attributes,
      targetPath: target,
      write: false,
      currentObjectVersions: new Map([['secret/a', 'v1']]),
    });
    expect(provider.requests.at(-1)?.currentObjectVersion).toEqual([{ id: 'secret/a', version: 'v1' }]);
  });

  it("writes like the driver's writer: last of a repeated path, no rewrite for a mode change, replaces files a provider wrote itself", async () => {
    const own = await mkdtemp(join(tmpdir(), 'fake-csi-target-'));
    const versions = [{ id: 'secret/a', version: 'v1' }];
    provider.script = () =>
      MountResponse.create({ objectVersion: versions, files: [file('a', 'first'), file('a', 'second')] });
    await mountVolume(client, { attributes, targetPath: own });
    expect(await readFile(join(own, 'a'), 'utf8')).toBe('second');
    const data = await readlink(join(own, '..data'));

    provider.script = () =>
      MountResponse.create({ objectVersion: versions, files: [{ ...file('a', 'second'), mode: 0o600 }] });
    const modeOnly = await mountVolume(client, { attributes, targetPath: own });
    expect(modeOnly.changed).toBe(false);
    expect(await readlink(join(own, '..data'))).toBe(data);
    expect((await stat(join(own, 'a'))).mode & 0o777).toBe(0o644);

    await writeFile(join(own, 'legacy'), 'written by an old provider');
    provider.script = () =>
      MountResponse.create({ objectVersion: versions, files: [file('a', 'second'), file('legacy', 'new')] });
    await mountVolume(client, { attributes, targetPath: own });
    expect(await readlink(join(own, 'legacy'))).toBe('..data/legacy');
    expect(await readFile(join(own, 'legacy'), 'utf8')).toBe('new');
  });

  it("words failures of its own gRPC client as the driver's Go client does", async () => {
    provider.script = () =>
      MountResponse.create({
        objectVersion: [{ id: 'secret/big', version: 'v1' }],
        files: [{ path: 'big', mode: 420, contents: Buffer.alloc(DRIVER_MAX_RECEIVE_BYTES) }],
      });
    const tooLarge = await mountVolume(client, { attributes, targetPath: target }).catch((e: unknown) => e);
    expect((tooLarge as DriverMountError).message).toMatch(
      /^rpc error: code = ResourceExhausted desc = grpc: received message larger than max \(\d+ vs\. 4194304\)$/,
    );

    provider.script = () => 'hang';
    const hung = await mountVolume(client, { attributes, targetPath: target, timeoutMs: 300 }).catch(
      (e: unknown) => e,
    );
    expect((hung as DriverMountError).message).toBe(
      'rpc error: code = DeadlineExceeded desc = context deadline exceeded',
    );

    const absent = join(await mkdtemp(join(tmpdir(), 'fake-csi-none-')), 'azure.sock');
    const nobody = connectProvider(absent);
    const down = await mountVolume(nobody, { attributes, targetPath: target, timeoutMs: 300 }).catch(
      (e: unknown) => e,
    );
    nobody.close();
    expect((down as DriverMountError).message).toBe(
      `rpc error: code = DeadlineExceeded desc = latest balancer error: connection error: desc = "transport: Error while dialing: dial unix ${absent}: connect: no such file or directory"`,
    );
  });

  it('waits for a provider that is not listening yet (waitForReady), within the deadline', async () => {
    const socketPath = await ScriptedProvider.socketPath();
    const early = connectProvider(socketPath);
    const pending = mountVolume(early, { attributes, targetPath: target, write: false, timeoutMs: 10_000 });
    // Longer than the three UNAVAILABLE retries take (about 2.1 s): only waitForReady can save this call.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const late = await ScriptedProvider.start(socketPath);
    late.script = () => MountResponse.create({ objectVersion: [{ id: 'secret/a', version: 'v9' }] });
    const result = await pending;
    expect(result.objectVersions.get('secret/a')).toBe('v9');
    early.close();
    late.stop();
  });
});
