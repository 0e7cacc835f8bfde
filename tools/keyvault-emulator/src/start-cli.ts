import { parseArgs } from 'node:util';
import { KeyVaultEmulator } from './keyvault-emulator.js';

export const CLI_USAGE = `Usage: keyvault-emulator [options]

  --port <n>          port on 127.0.0.1 (default 0: ephemeral)
  --fixture <file>    fixture JSON with vaults, grants and objects
  --tls-dir <dir>     test CA + leaf directory (created if missing, reused if present)
  --vault <name>      add an empty vault (repeatable; the first vault is the default one)
  --latency-ms <n>    latency added to every Key Vault request
  --signing-key <k>   test-token signing key shared with the fake NMI / fake Azure AD
  --json              print one JSON line instead of text
  -h, --help          show this help

Runs until SIGTERM or SIGINT.`;

export class CliUsageError extends Error {
  readonly code = 'CLI_USAGE';
  override readonly name = 'CliUsageError';
}

/** Parses the command line, starts the emulator and prints where it listens. */
export async function startCli(
  argv: readonly string[],
  write: (text: string) => void,
): Promise<KeyVaultEmulator | undefined> {
  let values: ReturnType<typeof parse>['values'];
  try {
    values = parse(argv).values;
  } catch (error) {
    throw new CliUsageError(`${(error as Error).message}\n\n${CLI_USAGE}`);
  }
  if (values.help) {
    write(`${CLI_USAGE}\n`);
    return undefined;
  }
  const number = (name: string, text: string | undefined) => {
    if (text === undefined) return undefined;
    const n = Number(text);
    if (!Number.isInteger(n) || n < 0)
      throw new CliUsageError(`--${name} must be a non-negative integer, got '${text}'`);
    return n;
  };
  const emulator = await KeyVaultEmulator.start({
    port: number('port', values.port),
    fixture: values.fixture,
    tlsDir: values['tls-dir'],
    signingKey: values['signing-key'],
    latencyMs: number('latency-ms', values['latency-ms']),
  });
  for (const name of values.vault ?? []) emulator.vault(name);
  const vaults = emulator.vaults.map((v) => ({ name: v.name, url: emulator.vaultUrl(v.name) }));
  const summary = {
    url: emulator.url,
    proxyUrl: emulator.proxyUrl,
    port: emulator.port,
    caCertPath: emulator.caCertPath,
    defaultVault: emulator.defaultVault?.name ?? null,
    vaults,
  };
  if (values.json) {
    write(`${JSON.stringify(summary)}\n`);
  } else {
    write(
      [
        `keyvault-emulator listening on 127.0.0.1:${emulator.port}`,
        `  url       ${emulator.url}${summary.defaultVault ? `  (vault ${summary.defaultVault})` : ''}`,
        `  proxyUrl  ${emulator.proxyUrl}`,
        `  caCert    ${emulator.caCertPath}`,
        ...vaults.map((v) => `  vault     ${v.url}`),
        `  env       HTTPS_PROXY=${emulator.proxyUrl} NODE_EXTRA_CA_CERTS=${emulator.caCertPath}`,
        '',
      ].join('\n'),
    );
  }
  return emulator;
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: 'string' },
      fixture: { type: 'string' },
      'tls-dir': { type: 'string' },
      vault: { type: 'string', multiple: true },
      'latency-ms': { type: 'string' },
      'signing-key': { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
