#!/usr/bin/env node
import { CliUsageError, startCli } from './start-cli.js';

try {
  const emulator = await startCli(process.argv.slice(2), (text) => process.stdout.write(text));
  if (emulator) {
    const shutdown = () => {
      emulator.stop().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.once('SIGTERM', shutdown);
    process.once('SIGINT', shutdown);
  }
} catch (error) {
  process.stderr.write(`keyvault-emulator: ${(error as Error).message}\n`);
  process.exit(error instanceof CliUsageError ? 2 : 1);
}
