import { createHash, createPublicKey, type JsonWebKey, randomBytes } from 'node:crypto';
import { DEFAULT_TEST_TENANT_ID } from '@keyvault-csi/test-tokens';
import { certificateFromPem, certificateFromPfx } from './private/certificate-material.js';

export type Collection = 'secrets' | 'keys' | 'certificates';
export type Operation = 'get' | 'list';
/** A point in time: a `Date`, an ISO 8601 string, or a number of **Unix seconds**. */
export type TimeInput = Date | string | number;

export interface VersionInput {
  /** 32 lower-case hex characters; generated when absent. */
  readonly version?: string;
  /** Creation time; default: now, or one second after the object's newest version. */
  readonly created?: TimeInput;
  readonly updated?: TimeInput;
  readonly enabled?: boolean;
  readonly notBefore?: TimeInput;
  readonly expires?: TimeInput;
  readonly tags?: Readonly<Record<string, string>>;
}

export interface SecretInput extends VersionInput {
  readonly value: string;
  readonly contentType?: string;
}

export interface KeyInput extends VersionInput {
  /** A JWK; private members (`d`, `p`, `q`, `dp`, `dq`, `qi`, `k`) are dropped. */
  readonly jwk?: JsonWebKey;
  /** A PEM public (or private) key; only its public part is kept. */
  readonly pem?: string;
  /** Overrides `kty`, e.g. `RSA-HSM` or `EC-HSM`. */
  readonly kty?: string;
  readonly keyOps?: readonly string[];
}

export interface CertificateInput extends VersionInput {
  /** PFX bytes, or its standard base64 text (kept exactly as given for the managed secret). */
  readonly pfx?: Uint8Array | string;
  readonly pfxPassword?: string;
  /** PEM text: private key and certificates (kept exactly as given for the managed secret). */
  readonly pem?: string;
}

export interface Permissions {
  readonly secrets?: readonly Operation[];
  readonly keys?: readonly Operation[];
  readonly certificates?: readonly Operation[];
}

/** Order of items in version listings. Real Key Vault's order is not chronological. */
export type VersionOrder = 'insertion' | 'newest-first' | 'oldest-first' | 'shuffled';

/**
 * How the 401 challenge looks: `standard` (`authorization` + `resource`), `scope` (`authorization` +
 * `scope="<resource>/.default"`), `no-header` (401 without `WWW-Authenticate`), `bad-authorization`
 * (an `authorization` value that is not a URL).
 */
export type ChallengeMode = 'standard' | 'scope' | 'no-header' | 'bad-authorization';

export interface VaultOptions {
  readonly tenantId?: string;
  /** Azure region named in error texts (default `eastus`). */
  readonly location?: string;
  /** Audience tokens must carry when the vault is reached by a loopback address (default `https://vault.azure.net`). */
  readonly resource?: string;
  readonly rbac?: boolean;
  readonly versionOrder?: VersionOrder;
  readonly challenge?: ChallengeMode;
}

export interface VersionRef {
  readonly name: string;
  readonly version: string;
}

interface StoredVersion {
  readonly version: string;
  readonly created: number;
  updated: number;
  enabled: boolean;
  readonly nbf: number | undefined;
  readonly exp: number | undefined;
  readonly tags: Readonly<Record<string, string>>;
  readonly seq: number;
}

export interface StoredSecret extends StoredVersion {
  readonly value: string;
  readonly contentType: string | undefined;
  readonly managed: boolean;
}

export interface StoredKey extends StoredVersion {
  readonly jwk: JsonWebKey;
  readonly keyOps: readonly string[];
  readonly managed: boolean;
}

export interface StoredCertificate extends StoredVersion {
  readonly cer: Buffer;
  readonly x5t: string;
  readonly contentType: string;
  readonly keyType: string;
}

export interface StoredByCollection {
  secrets: StoredSecret;
  keys: StoredKey;
  certificates: StoredCertificate;
}

const VERSION_ID = /^[0-9a-f]{32}$/;
const OBJECT_NAME = /^[0-9a-zA-Z-]{1,127}$/;
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'];

export class VaultInputError extends Error {
  readonly code = 'VAULT_INPUT_INVALID';
  override readonly name = 'VaultInputError';
}

/** Converts a {@link TimeInput} to Unix seconds. */
export function toUnixSeconds(time: TimeInput): number {
  if (typeof time === 'number') return Math.floor(time);
  const ms = time instanceof Date ? time.getTime() : Date.parse(time);
  if (Number.isNaN(ms)) throw new VaultInputError(`invalid time '${String(time)}'`);
  return Math.floor(ms / 1000);
}

/** One emulated vault: its objects, versions, access policy or RBAC grants, firewall and challenge style. */
export class EmulatedVault {
  readonly name: string;
  tenantId: string;
  location: string;
  resource: string;
  versionOrder: VersionOrder;
  challenge: ChallengeMode;
  #rbac: boolean;
  #firewallClientAddress: string | undefined;
  readonly #grants = new Map<string, Permissions>();
  readonly #objects: { [C in Collection]: Map<string, StoredByCollection[C][]> } = {
    secrets: new Map(),
    keys: new Map(),
    certificates: new Map(),
  };
  /** Object names are case-insensitive, as in Key Vault; identifiers keep the first spelling. */
  readonly #names: { [C in Collection]: Map<string, string> } = {
    secrets: new Map(),
    keys: new Map(),
    certificates: new Map(),
  };
  readonly #now: () => number;
  #seq = 0;

  constructor(name: string, options: VaultOptions = {}, now: () => number = Date.now) {
    if (!/^[0-9a-zA-Z-]{3,24}$/.test(name)) throw new VaultInputError(`invalid vault name '${name}'`);
    this.name = name;
    this.tenantId = options.tenantId ?? DEFAULT_TEST_TENANT_ID;
    this.location = options.location ?? 'eastus';
    this.resource = options.resource ?? 'https://vault.azure.net';
    this.versionOrder = options.versionOrder ?? 'insertion';
    this.challenge = options.challenge ?? 'standard';
    this.#rbac = options.rbac ?? false;
    this.#now = now;
  }

  /** Adds a secret version (the newest by `created` is the current one). */
  setSecret(name: string, value: string | SecretInput): VersionRef {
    const input: SecretInput = typeof value === 'string' ? { value } : value;
    if (typeof input.value !== 'string')
      throw new VaultInputError(`secret '${name}': value must be a string`);
    const base = this.#newVersion('secrets', name, input);
    this.#push('secrets', name, {
      ...base,
      value: input.value,
      contentType: input.contentType,
      managed: false,
    });
    return { name, version: base.version };
  }

  /** Adds a key version from a JWK or a PEM key; only public parts are kept and served. */
  setKey(name: string, input: KeyInput): VersionRef {
    let jwk: JsonWebKey;
    if (input.jwk) {
      jwk = { ...input.jwk };
      for (const member of PRIVATE_JWK_MEMBERS) delete jwk[member];
    } else if (input.pem) {
      try {
        jwk = createPublicKey(input.pem).export({ format: 'jwk' });
      } catch (error) {
        throw new VaultInputError(`key '${name}': cannot read the PEM key: ${(error as Error).message}`);
      }
    } else {
      throw new VaultInputError(`key '${name}': give a jwk or a pem`);
    }
    if (input.kty) jwk.kty = input.kty;
    // The served `kid` is always the emulator's identifier; `key_ops` comes from `keyOps` or the JWK.
    const jwkOps = Array.isArray(jwk['key_ops']) ? (jwk['key_ops'] as string[]) : undefined;
    delete jwk['kid'];
    delete jwk['key_ops'];
    const keyOps = input.keyOps ?? jwkOps ?? defaultKeyOps(jwk.kty);
    const base = this.#newVersion('keys', name, input);
    this.#push('keys', name, { ...base, jwk, keyOps, managed: false });
    return { name, version: base.version };
  }

  /**
   * Imports a certificate version from a PFX (empty password unless `pfxPassword`) or PEM, creating
   * the managed key and the managed secret with the same name and version, as Key Vault does.
   */
  importCertificate(name: string, input: CertificateInput): VersionRef {
    if ((input.pfx === undefined) === (input.pem === undefined)) {
      throw new VaultInputError(`certificate '${name}': give exactly one of pfx or pem`);
    }
    const material =
      input.pfx !== undefined
        ? certificateFromPfx(input.pfx, input.pfxPassword)
        : certificateFromPem(input.pem!);
    const attrs: VersionInput = {
      notBefore: material.notBefore,
      expires: material.expires,
      ...input,
      version: input.version,
    };
    const base = this.#newVersion('certificates', name, attrs);
    const shared = { ...attrs, version: base.version, created: base.created, updated: base.updated };
    const keyBase = this.#newVersion('keys', name, shared);
    const secretBase = this.#newVersion('secrets', name, shared);
    this.#push('certificates', name, {
      ...base,
      cer: material.leafDer,
      x5t: material.x5t,
      contentType: material.secretContentType,
      keyType: material.publicJwk.kty ?? 'RSA',
    });
    this.#push('keys', name, {
      ...keyBase,
      jwk: material.publicJwk,
      keyOps: defaultKeyOps(material.publicJwk.kty),
      managed: true,
    });
    this.#push('secrets', name, {
      ...secretBase,
      value: material.secretValue,
      contentType: material.secretContentType,
      managed: true,
    });
    return { name, version: base.version };
  }

  /** Disables one version (default: the current one); for a certificate also its managed key and secret. */
  disable(collection: Collection, name: string, version?: string): void {
    this.#setEnabled(collection, name, version, false);
  }

  enable(collection: Collection, name: string, version?: string): void {
    this.#setEnabled(collection, name, version, true);
  }

  /** Removes an object with all its versions (a certificate takes its managed key and secret along). */
  deleteObject(collection: Collection, name: string): void {
    const key = name.toLowerCase();
    const collections: Collection[] =
      collection === 'certificates' ? ['certificates', 'keys', 'secrets'] : [collection];
    for (const c of collections) {
      this.#objects[c].delete(key);
      this.#names[c].delete(key);
    }
  }

  /** Sets what an identity (client id / appid, or object id) may do; replaces earlier grants. */
  grant(identity: string, permissions: Permissions): this {
    this.#grants.set(identity, permissions);
    return this;
  }

  revoke(identity: string): this {
    this.#grants.delete(identity);
    return this;
  }

  /**
   * RBAC mode: grants are read as role assignments and denials answer `ForbiddenByRbac` instead of
   * the access-policy `AccessDenied` text.
   */
  rbac(enabled = true): this {
    this.#rbac = enabled;
    return this;
  }

  get isRbac(): boolean {
    return this.#rbac;
  }

  /** With an address, every authorised request is refused with 403 `ForbiddenByFirewall`; `undefined` opens it. */
  firewall(clientAddress: string | undefined): this {
    this.#firewallClientAddress = clientAddress;
    return this;
  }

  get firewallClientAddress(): string | undefined {
    return this.#firewallClientAddress;
  }

  isAllowed(identity: { appid: string; oid: string }, collection: Collection, operation: Operation): boolean {
    const grant = this.#grants.get(identity.appid) ?? this.#grants.get(identity.oid);
    return grant?.[collection]?.includes(operation) ?? false;
  }

  /** The named version, or the current one (greatest `created`, later insertion winning ties). */
  lookup<C extends Collection>(
    collection: C,
    name: string,
    version?: string,
  ): StoredByCollection[C] | undefined {
    const versions = this.#objects[collection].get(name.toLowerCase()) as StoredByCollection[C][] | undefined;
    if (!versions || versions.length === 0) return undefined;
    if (version) return versions.find((v) => v.version === version);
    return versions.reduce((best, v) =>
      v.created > best.created || (v.created === best.created && v.seq > best.seq) ? v : best,
    );
  }

  /** All versions in listing order (see {@link VaultOptions.versionOrder}); empty for an unknown name. */
  versions<C extends Collection>(collection: C, name: string): StoredByCollection[C][] {
    const versions = [
      ...((this.#objects[collection].get(name.toLowerCase()) as StoredByCollection[C][] | undefined) ?? []),
    ];
    switch (this.versionOrder) {
      case 'newest-first':
        return versions.sort((a, b) => b.created - a.created || b.seq - a.seq);
      case 'oldest-first':
        return versions.sort((a, b) => a.created - b.created || a.seq - b.seq);
      case 'shuffled':
        // A fixed scramble (by hash of the version id) so paging stays consistent across requests.
        return versions.sort((a, b) => scrambleKey(a.version).localeCompare(scrambleKey(b.version)));
      default:
        return versions;
    }
  }

  /** The stored spelling of an object name (names match case-insensitively). */
  canonicalName(collection: Collection, name: string): string | undefined {
    return this.#names[collection].get(name.toLowerCase());
  }

  /** Names of the objects in a collection. */
  names(collection: Collection): string[] {
    return [...this.#names[collection].values()];
  }

  #newVersion(collection: Collection, name: string, input: VersionInput): StoredVersion {
    if (!OBJECT_NAME.test(name)) throw new VaultInputError(`invalid ${collection} name '${name}'`);
    const version = input.version ?? randomBytes(16).toString('hex');
    if (!VERSION_ID.test(version)) {
      throw new VaultInputError(
        `${collection} '${name}': version '${version}' is not 32 lower-case hex characters`,
      );
    }
    const existing = this.#objects[collection].get(name.toLowerCase()) ?? [];
    if (existing.some((v) => v.version === version)) {
      throw new VaultInputError(`${collection} '${name}': version ${version} already exists`);
    }
    const nowSeconds = Math.floor(this.#now() / 1000);
    const newest = existing.reduce((max, v) => Math.max(max, v.created), Number.NEGATIVE_INFINITY);
    const created =
      input.created !== undefined ? toUnixSeconds(input.created) : Math.max(nowSeconds, newest + 1);
    return {
      version,
      created,
      updated: input.updated !== undefined ? toUnixSeconds(input.updated) : created,
      enabled: input.enabled ?? true,
      nbf: input.notBefore !== undefined ? toUnixSeconds(input.notBefore) : undefined,
      exp: input.expires !== undefined ? toUnixSeconds(input.expires) : undefined,
      tags: { ...(input.tags ?? {}) },
      seq: this.#seq++,
    };
  }

  #push<C extends Collection>(collection: C, name: string, record: StoredByCollection[C]): void {
    const map = this.#objects[collection] as Map<string, StoredByCollection[C][]>;
    const key = name.toLowerCase();
    const list = map.get(key) ?? [];
    list.push(record);
    map.set(key, list);
    if (!this.#names[collection].has(key)) this.#names[collection].set(key, name);
  }

  #setEnabled(collection: Collection, name: string, version: string | undefined, enabled: boolean): void {
    const record = this.lookup(collection, name, version);
    if (!record)
      throw new VaultInputError(
        `${collection} '${name}'${version ? ` version ${version}` : ''} does not exist`,
      );
    record.enabled = enabled;
    if (collection === 'certificates') {
      for (const managed of ['keys', 'secrets'] as const) {
        const twin = this.lookup(managed, name, record.version);
        if (twin) twin.enabled = enabled;
      }
    }
  }
}

function defaultKeyOps(kty: string | undefined): string[] {
  if (kty?.startsWith('EC')) return ['sign', 'verify'];
  if (kty?.startsWith('oct')) return ['encrypt', 'decrypt', 'wrapKey', 'unwrapKey'];
  return ['sign', 'verify', 'wrapKey', 'unwrapKey', 'encrypt', 'decrypt'];
}

function scrambleKey(version: string): string {
  return createHash('sha256').update(version).digest('hex');
}
