import type { JsonWebKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import type {
  ChallengeMode,
  Collection,
  Operation,
  Permissions,
  VersionInput,
  VersionOrder,
} from './emulated-vault.js';
import type { KeyVaultEmulator } from './keyvault-emulator.js';

/** Attributes every fixture version may carry (times: ISO 8601 strings or Unix seconds). */
export interface FixtureVersion {
  readonly version?: string;
  readonly created?: string | number;
  readonly updated?: string | number;
  readonly enabled?: boolean;
  readonly notBefore?: string | number;
  readonly expires?: string | number;
  readonly tags?: Record<string, string>;
}

export interface FixtureSecretVersion extends FixtureVersion {
  readonly value: string;
  readonly contentType?: string;
}

export interface FixtureKeyVersion extends FixtureVersion {
  readonly jwk?: JsonWebKey;
  /** PEM key file (public or private; only the public part is served), relative to the fixture file. */
  readonly pemFile?: string;
  readonly kty?: string;
  readonly keyOps?: string[];
}

export interface FixtureCertificateVersion extends FixtureVersion {
  /** PFX file relative to the fixture file (empty password unless `pfxPassword`). */
  readonly pfxFile?: string;
  readonly pfxPassword?: string;
  /** PEM file (private key and certificates) relative to the fixture file. */
  readonly pemFile?: string;
}

/** One object: either a single version inline, or `versions` oldest first. */
export type FixtureObject<V> =
  | ({ readonly name: string } & V)
  | { readonly name: string; readonly versions: V[] };

export interface FixtureAccessPolicy extends Permissions {
  /** Client id (`appid`) or object id (`oid`). */
  readonly clientId: string;
}

export interface FixtureVault {
  readonly name: string;
  /** Serve this vault for https://127.0.0.1 (default: the first vault). */
  readonly default?: boolean;
  readonly tenantId?: string;
  readonly location?: string;
  readonly resource?: string;
  readonly rbac?: boolean;
  readonly versionOrder?: VersionOrder;
  readonly challenge?: ChallengeMode;
  /** Client address to refuse every authorised request with `ForbiddenByFirewall`. */
  readonly firewall?: string;
  readonly accessPolicies?: FixtureAccessPolicy[];
  readonly secrets?: FixtureObject<FixtureSecretVersion>[];
  readonly keys?: FixtureObject<FixtureKeyVersion>[];
  readonly certificates?: FixtureObject<FixtureCertificateVersion>[];
}

export interface EmulatorFixture {
  readonly latencyMs?: number;
  readonly vaults: FixtureVault[];
}

export class FixtureError extends Error {
  readonly code = 'FIXTURE_INVALID';
  override readonly name = 'FixtureError';
}

/** Reads and checks a fixture JSON file; relative file names inside resolve against its directory. */
export async function loadFixtureFile(path: string): Promise<{ fixture: EmulatorFixture; baseDir: string }> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new FixtureError(`fixture ${path}: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || !Array.isArray((parsed as EmulatorFixture).vaults)) {
    throw new FixtureError(`fixture ${path}: expected an object with a "vaults" array`);
  }
  return { fixture: parsed as EmulatorFixture, baseDir: dirname(resolve(path)) };
}

/** Creates the fixture's vaults, grants and objects in the emulator. */
export async function applyFixture(
  emulator: KeyVaultEmulator,
  fixture: EmulatorFixture,
  baseDir: string = process.cwd(),
): Promise<void> {
  if (fixture.latencyMs !== undefined) emulator.latencyMs = fixture.latencyMs;
  const file = (p: string) => readFile(isAbsolute(p) ? p : resolve(baseDir, p));
  for (const [i, v] of fixture.vaults.entries()) {
    const where = `vaults[${i}]${v?.name ? ` (${v.name})` : ''}`;
    try {
      if (typeof v?.name !== 'string') throw new FixtureError('"name" is required');
      const vault = emulator.addVault(v.name, v);
      if (v.firewall !== undefined) vault.firewall(v.firewall);
      for (const policy of v.accessPolicies ?? []) {
        checkPermissions(policy);
        vault.grant(policy.clientId, policy);
      }
      for (const s of v.secrets ?? []) {
        for (const version of versionsOf(s)) vault.setSecret(s.name, { ...version, value: version.value });
      }
      for (const k of v.keys ?? []) {
        for (const version of versionsOf(k)) {
          const pem = version.pemFile ? (await file(version.pemFile)).toString('utf8') : undefined;
          vault.setKey(k.name, { ...version, pem });
        }
      }
      for (const c of v.certificates ?? []) {
        for (const version of versionsOf(c)) {
          if (version.pfxFile)
            vault.importCertificate(c.name, { ...version, pfx: await file(version.pfxFile) });
          else if (version.pemFile) {
            vault.importCertificate(c.name, {
              ...version,
              pem: (await file(version.pemFile)).toString('utf8'),
            });
          } else throw new FixtureError(`certificate '${c.name}': give pfxFile or pemFile`);
        }
      }
    } catch (error) {
      throw new FixtureError(`fixture ${where}: ${(error as Error).message}`);
    }
  }
}

function versionsOf<V extends FixtureVersion>(object: FixtureObject<V>): (V & VersionInput)[] {
  if (typeof object?.name !== 'string') throw new FixtureError('every object needs a "name"');
  return 'versions' in object ? object.versions : [object as V];
}

const OPERATIONS: ReadonlySet<string> = new Set<Operation>(['get', 'list']);

function checkPermissions(policy: FixtureAccessPolicy): void {
  if (typeof policy.clientId !== 'string') throw new FixtureError('access policy without "clientId"');
  for (const collection of ['secrets', 'keys', 'certificates'] as Collection[]) {
    for (const op of policy[collection] ?? []) {
      if (!OPERATIONS.has(op)) {
        throw new FixtureError(
          `access policy for ${policy.clientId}: unknown ${collection} permission '${op}'`,
        );
      }
    }
  }
}
