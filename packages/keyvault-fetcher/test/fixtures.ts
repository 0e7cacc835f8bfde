import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export function fixturesDir(): string {
  const dir = process.env.KVF_FIXTURES_DIR;
  if (!dir)
    throw new Error('KVF_FIXTURES_DIR is not set: run through the package vitest config (globalSetup)');
  return dir;
}

export function fixtureText(name: string): string {
  return readFileSync(join(fixturesDir(), name), 'utf8');
}

export function fixtureBytes(name: string): Buffer {
  return readFileSync(join(fixturesDir(), name));
}
