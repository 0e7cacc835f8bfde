import { describe, expect, it } from 'vitest';
import { FlagError } from '../flags/flag-parser.js';
import { type DaemonConfig, parseDaemonCommandLine } from './daemon-flags.js';

function serve(args: string[]): DaemonConfig {
  const commandLine = parseDaemonCommandLine(args);
  if (commandLine.action !== 'serve') throw new Error(`expected serve, got ${commandLine.action}`);
  return commandLine.config;
}

function failure(args: string[]): string {
  try {
    parseDaemonCommandLine(args);
  } catch (error) {
    expect(error).toBeInstanceOf(FlagError);
    return (error as Error).message;
  }
  throw new Error(`expected ${args.join(' ')} to fail`);
}

describe('daemon flags', () => {
  it('has the reference defaults', () => {
    const config = serve([]);
    expect(config).toMatchObject({
      endpoint: { kind: 'unix', path: '/tmp/azure.sock' },
      constructPemChain: true,
      writeCertAndKeyInSeparateFiles: false,
      cloudName: 'AzurePublicCloud',
      healthz: { host: '', port: 8989, path: '/healthz', timeoutMs: 5000 },
      metrics: { host: '', port: 8898 },
      logFormatJson: false,
      verbosity: 0,
      customUserAgent: '',
      nmiEndpoint: 'http://127.0.0.1:2579',
      mountTimeoutMs: 110_000,
      maxConcurrency: 64,
      tokenCacheMaxAgeMs: 300_000,
      maxMountBytes: 4_194_304,
      maxInflightMountBytes: 8_388_608,
      maxMountObjects: 1000,
      keyVaultHttpVersion: '2',
      contentCache: { ttlMs: 0, maxBytes: 16 * 1024 * 1024, staleOnErrorMs: 0 },
      shutdownGraceMs: 10_000,
      httpLimits: { maxConnections: 32, headersTimeoutMs: 5000, requestTimeoutMs: 10_000 },
      tokenProxy: {
        url: '',
        sniName: '',
        caFile: '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt',
        apiServerHost: 'kubernetes.default.svc.cluster.local',
      },
      warnings: [],
    });
  });

  it('accepts the reference DaemonSet arguments verbatim', () => {
    const config = serve([
      '--endpoint=unix:///provider/azure.sock',
      '--construct-pem-chain=true',
      '--healthz-port=8989',
      '--healthz-path=/healthz',
      '--healthz-timeout=5s',
    ]);
    expect(config.endpoint).toEqual({ kind: 'unix', path: '/provider/azure.sock' });
    expect(config.healthz).toEqual({ host: '', port: 8989, path: '/healthz', timeoutMs: 5000 });
  });

  // Every flag in both forms (`--flag value` and `--flag=value`), single and double dash.
  const cases: [string, string, (config: DaemonConfig) => unknown, unknown][] = [
    ['endpoint', 'tcp://127.0.0.1:7777', (c) => c.endpoint, { kind: 'tcp', host: '127.0.0.1', port: 7777 }],
    ['construct-pem-chain', 'false', (c) => c.constructPemChain, false],
    ['http-max-connections', '4', (c) => c.httpLimits?.maxConnections, 4],
    ['http-header-timeout', '2s', (c) => c.httpLimits?.headersTimeoutMs, 2000],
    ['http-request-timeout', '1m', (c) => c.httpLimits?.requestTimeoutMs, 60_000],
    ['write-cert-and-key-in-separate-files', 'true', (c) => c.writeCertAndKeyInSeparateFiles, true],
    ['cloud-name', 'AzureChinaCloud', (c) => c.cloudName, 'AzureChinaCloud'],
    ['healthz-port', '9000', (c) => c.healthz?.port, 9000],
    ['healthz-path', '/live', (c) => c.healthz?.path, '/live'],
    ['healthz-timeout', '500ms', (c) => c.healthz?.timeoutMs, 500],
    ['metrics-backend', 'PROMETHEUS', () => 'accepted', 'accepted'],
    ['prometheus-port', '9100', (c) => c.metrics?.port, 9100],
    ['log-format-json', 'true', (c) => c.logFormatJson, true],
    ['v', '5', (c) => c.verbosity, 5],
    ['custom-user-agent', 'aks/1', (c) => c.customUserAgent, 'aks/1'],
    ['enable-pprof', 'true', (c) => c.warnings.length, 1],
    ['pprof-port', '6061', (c) => c.warnings.length, 1],
    ['token-proxy-url', 'https://proxy:8443/p', (c) => c.tokenProxy.url, 'https://proxy:8443/p'],
    ['sni-name', 'aexample.ests.aks', (c) => c.tokenProxy.sniName, 'aexample.ests.aks'],
    ['token-proxy-ca-file', '/etc/ca.pem', (c) => c.tokenProxy.caFile, '/etc/ca.pem'],
    ['sni-api-server-host', '127.0.0.1', (c) => c.tokenProxy.apiServerHost, '127.0.0.1'],
    ['nmi-endpoint', 'http://127.0.0.1:2580', (c) => c.nmiEndpoint, 'http://127.0.0.1:2580'],
    ['mount-timeout', '1m', (c) => c.mountTimeoutMs, 60_000],
    ['token-cache-max-age', '1m30s', (c) => c.tokenCacheMaxAgeMs, 90_000],
    ['max-concurrency', '8', (c) => c.maxConcurrency, 8],
    ['content-cache-ttl', '5m', (c) => [c.contentCache?.ttlMs, c.warnings.length], [300_000, 0]],
    ['keyvault-http-version', '1.1', (c) => c.keyVaultHttpVersion, '1.1'],
    ['content-cache-max-bytes', '1048576', (c) => c.contentCache?.maxBytes, 1_048_576],
    ['content-cache-stale-on-error', '1h', (c) => c.contentCache?.staleOnErrorMs, 3_600_000],
    ['http-bind-address', '127.0.0.1', (c) => c.healthz?.host, '127.0.0.1'],
  ];
  it.each(cases)('--%s takes both forms', (name, value, read, expected) => {
    expect(read(serve([`--${name}=${value}`]))).toEqual(expected);
    expect(read(serve([`--${name}`, value]))).toEqual(expected);
    expect(read(serve([`-${name}=${value}`]))).toEqual(expected);
  });

  it('takes booleans alone and Go boolean spellings', () => {
    expect(serve(['--log-format-json']).logFormatJson).toBe(true);
    expect(serve(['-write-cert-and-key-in-separate-files']).writeCertAndKeyInSeparateFiles).toBe(true);
    for (const text of ['0', 'f', 'F', 'false', 'FALSE', 'False']) {
      expect(serve([`--construct-pem-chain=${text}`]).constructPemChain).toBe(false);
    }
  });

  it('port 0 asks for any free port, as Go; a negative port disables the server', () => {
    const random = serve(['--healthz-port=0', '--prometheus-port', '0']);
    expect(random.healthz?.port).toBe(0);
    expect(random.metrics?.port).toBe(0);
    const disabled = serve(['--healthz-port=-1', '--prometheus-port', '-1']);
    expect(disabled.healthz).toBeNull();
    expect(disabled.metrics).toBeNull();
  });

  it('takes AZURE_ENVIRONMENT_FILEPATH from the environment it is given', () => {
    expect(serve([]).cloudEnvironmentFile).toBe('');
    const commandLine = parseDaemonCommandLine(['--cloud-name=AzureStackCloud'], {
      AZURE_ENVIRONMENT_FILEPATH: '/etc/kubernetes/custom.json',
    });
    expect(commandLine.action === 'serve' && commandLine.config.cloudEnvironmentFile).toBe(
      '/etc/kubernetes/custom.json',
    );
  });

  it('recognises --version and --help', () => {
    expect(parseDaemonCommandLine(['--version'])).toEqual({ action: 'version' });
    expect(parseDaemonCommandLine(['-version=true'])).toEqual({ action: 'version' });
    expect(parseDaemonCommandLine(['-h'])).toEqual({ action: 'help' });
  });

  it.each([
    [['--endpoint=/tmp/azure.sock'], 'invalid endpoint: /tmp/azure.sock'],
    [['--endpoint=unix://'], 'invalid endpoint: unix://'],
    [['--endpoint', 'http://x:1'], 'invalid endpoint: http://x:1'],
    [['--endpoint=tcp://host'], 'invalid endpoint: tcp://host'],
    [['--metrics-backend=statsd'], 'unsupported metrics backend statsd'],
    [['--no-such-flag'], 'flag provided but not defined: -no-such-flag'],
    [['--healthz-port=abc'], 'invalid value "abc" for flag -healthz-port: parse error (expected an integer)'],
    [
      ['--healthz-port=70000'],
      'invalid value "70000" for flag -healthz-port: must be a port up to 65535 (0 = any free port, negative = disabled)',
    ],
    [
      ['--healthz-timeout=5'],
      'invalid value "5" for flag -healthz-timeout: parse error (expected a duration such as 500ms, 5s or 1m)',
    ],
    [['--healthz-timeout=0s'], 'invalid value "0s" for flag -healthz-timeout: must be greater than 0'],
    [['--healthz-path=healthz'], 'invalid value "healthz" for flag -healthz-path: must start with /'],
    [
      ['--construct-pem-chain=yes'],
      'invalid value "yes" for flag -construct-pem-chain: parse error (expected true or false)',
    ],
    [['--v=-1'], 'invalid value "-1" for flag -v: must not be negative'],
    [['--max-concurrency=0'], 'invalid value "0" for flag -max-concurrency: must be at least 1'],
    [['--mount-timeout=-5s'], 'invalid value "-5s" for flag -mount-timeout: must be greater than 0'],
    [
      ['--token-cache-max-age=0s'],
      'invalid value "0s" for flag -token-cache-max-age: must be greater than 0',
    ],
    [
      ['--nmi-endpoint=127.0.0.1:2579'],
      'invalid value "127.0.0.1:2579" for flag -nmi-endpoint: must be an http:// or https:// URL',
    ],
    [['--endpoint'], 'flag needs an argument: -endpoint'],
    [['---endpoint=x'], 'bad flag syntax: ---endpoint=x'],
    [['serve-please'], 'unexpected argument: serve-please (the daemon takes only flags)'],
  ])('%j fails with a clear message', (args, message) => {
    expect(failure(args)).toBe(message);
  });

  it('is case-insensitive about the endpoint scheme and maps tcp://:7777 to all interfaces (opt-in)', () => {
    expect(serve(['--endpoint=UNIX:///x.sock']).endpoint).toEqual({ kind: 'unix', path: '/x.sock' });
    expect(serve(['--endpoint=tcp://:7777', '--insecure-tcp-endpoint']).endpoint).toEqual({
      kind: 'tcp',
      host: '',
      port: 7777,
    });
  });

  it('binds tcp:// endpoints to loopback only unless --insecure-tcp-endpoint is given', () => {
    for (const host of ['127.0.0.1', '127.9.9.9', 'localhost', '[::1]', '[::ffff:127.0.0.1]']) {
      expect(serve([`--endpoint=tcp://${host}:7777`]).endpoint.kind).toBe('tcp');
    }
    for (const host of ['', '0.0.0.0', '10.0.0.4', '[::]', 'node-1.example', '128.0.0.1']) {
      expect(failure([`--endpoint=tcp://${host}:7777`])).toBe(
        `refusing tcp endpoint tcp://${host}:7777: not a loopback address and the gRPC API has no ` +
          'authentication; use a unix:// endpoint, a loopback address, or --insecure-tcp-endpoint',
      );
      expect(serve([`--endpoint=tcp://${host}:7777`, '--insecure-tcp-endpoint=true']).endpoint.kind).toBe(
        'tcp',
      );
    }
  });

  it('refuses a request timeout shorter than the header timeout', () => {
    expect(failure(['--http-header-timeout=5s', '--http-request-timeout=1s'])).toBe(
      '--http-request-timeout must not be shorter than --http-header-timeout',
    );
  });
});

describe('memory bound flags', () => {
  const config = (args: string[]) => {
    const parsed = parseDaemonCommandLine(args);
    if (parsed.action !== 'serve') throw new Error('expected serve');
    return parsed.config;
  };

  it('takes --max-mount-bytes, --max-inflight-mount-bytes and --max-mount-objects', () => {
    const c = config([
      '--max-mount-bytes=1048576',
      '--max-inflight-mount-bytes',
      '2097152',
      '-max-mount-objects=50',
    ]);
    expect([c.maxMountBytes, c.maxInflightMountBytes, c.maxMountObjects]).toEqual([1_048_576, 2_097_152, 50]);
  });

  it('refuses an in-flight budget below the per-mount one, and non-positive values', () => {
    expect(() => config(['--max-mount-bytes=8388608', '--max-inflight-mount-bytes=4194304'])).toThrow(
      'invalid value "4194304" for flag -max-inflight-mount-bytes: must be at least -max-mount-bytes (8388608)',
    );
    expect(() => config(['--max-mount-objects=0'])).toThrow(FlagError);
  });
});
