import { compileJmesPath } from '@keyvault-csi/templates';
import { checkFilePath } from '../file-path.js';
import type { JmesPathFile, KeyVaultObject } from '../mount-plan.js';
import type { ObjectField, ObjectTextField } from '../object-fields.js';
import type { SpcErrorCode } from '../spc-error.js';
import { validateVaultName } from '../vault-name.js';
import type { PathClaim } from './analyzed-object.js';
import { echo } from './echo.js';
import { goParseBool, goQuote } from './go-text.js';
import type { DecodedJmesPath, DecodedTags } from './nested-fields.js';
import { wildcardRegExp } from './wildcard.js';

/** The sidecar of `metadata: "true"` (extensions.md §5). */
export const METADATA_SUFFIX = '.metadata.json';

export type ExtensionProps = Pick<
  KeyVaultObject,
  | 'optional'
  | 'keyvaultName'
  | 'jmesPath'
  | 'metadata'
  | 'metadataSuffix'
  | 'wildcard'
  | 'wildcardPattern'
  | 'tags'
>;

export interface ExtensionInput {
  readonly fields: Readonly<Record<ObjectTextField, string>>;
  readonly fieldOffsets: Readonly<Partial<Record<ObjectField, number>>>;
  readonly objectVersionHistory: number;
  readonly jmesPath: DecodedJmesPath | undefined;
  readonly tags: DecodedTags | undefined;
}

export interface ExtensionContext {
  readonly index: number;
  readonly itemOffset: number;
  readonly wildcard: boolean;
  /** Lower-cased `objectFormat` (`""` when unset). */
  readonly format: string;
}

export type Fail = (
  code: SpcErrorCode,
  cause: string,
  field: ObjectField | undefined,
  offset?: number,
) => void;

/**
 * Checks the per-object keys of our extensions (extensions.md §1–6) and returns what they add to
 * the object: only the keys that are set, so an object without them is exactly what it was.
 * Every problem is a configuration error reported through `fail`, before any network call.
 */
export function checkExtensions(
  input: ExtensionInput,
  context: ExtensionContext,
  fail: Fail,
): { object: ExtensionProps; claims: PathClaim[] } {
  const { fields, objectVersionHistory: history } = input;
  const object: { -readonly [K in keyof ExtensionProps]: ExtensionProps[K] } = {};
  const claims: PathClaim[] = [];
  const isSecret = fields.objectType === 'secret';

  for (const key of ['optional', 'metadata'] as const) {
    const text = fields[key];
    if (text === '') continue;
    const value = goParseBool(text);
    if (value === undefined) {
      fail(
        'INVALID_BOOLEAN',
        `failed to parse ${key} of object ${context.index}, error: strconv.ParseBool: parsing ${goQuote(echo(text))}: invalid syntax`,
        key,
      );
    } else if (value) {
      object[key] = true;
    }
  }

  if (fields.keyvaultName !== '') {
    try {
      validateVaultName(fields.keyvaultName);
      object.keyvaultName = fields.keyvaultName;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      fail('INVALID_VAULT_NAME', `keyvaultName of object ${context.index}: ${message}`, 'keyvaultName');
    }
  }

  if (context.wildcard) {
    const notWith = (what: string, field: ObjectField): void =>
      fail('WILDCARD_NOT_SUPPORTED', `a wildcard objectName cannot be used with ${what}`, field);
    if (!isSecret) {
      fail(
        'WILDCARD_NOT_SUPPORTED',
        'a wildcard objectName is only supported for objectType: secret',
        'objectName',
      );
    }
    if (fields.objectAlias !== '') notWith('objectAlias', 'objectAlias');
    if (fields.objectVersion !== '') notWith('objectVersion', 'objectVersion');
    if (history > 1) notWith('objectVersionHistory > 1', 'objectVersionHistory');
    object.wildcard = true;
    object.wildcardPattern = wildcardRegExp(fields.objectName);
  }

  if (input.tags !== undefined) {
    if (input.tags.tags === undefined) {
      fail('INVALID_TAGS', 'tags must be a mapping of tag names to text values', 'tags', input.tags.offset);
    } else if (!context.wildcard) {
      fail('INVALID_TAGS', 'tags is only supported with a wildcard objectName', 'tags', input.tags.offset);
    } else {
      object.tags = input.tags.tags;
    }
  }

  if (input.jmesPath !== undefined) {
    const files = checkJmesPath(input, context, fail, claims);
    if (files) object.jmesPath = files;
  }

  if (object.metadata) {
    object.metadataSuffix = METADATA_SUFFIX;
    if (history > 1) {
      fail('METADATA_NOT_SUPPORTED', 'metadata is not supported with objectVersionHistory > 1', 'metadata');
    }
  }
  return { object, claims };
}

function checkJmesPath(
  input: ExtensionInput,
  context: ExtensionContext,
  fail: Fail,
  claims: PathClaim[],
): JmesPathFile[] | undefined {
  const { fields } = input;
  const decoded = input.jmesPath!;
  const shapeError = (detail: string, offset: number): undefined => {
    fail(
      'INVALID_JMES_PATH',
      `jmesPath must be a list of mappings with exactly the keys path and objectAlias: ${detail}`,
      'jmesPath',
      offset,
    );
    return undefined;
  };
  if (decoded.entries === undefined) return shapeError('got another shape', decoded.offset);
  if (decoded.entries.length === 0) return shapeError('the list is empty', decoded.offset);
  const notWith = (what: string): void =>
    fail('JMES_PATH_NOT_SUPPORTED', `jmesPath is not supported ${what}`, 'jmesPath', decoded.offset);
  let allowed = true;
  if (fields.objectType !== 'secret') {
    fail(
      'JMES_PATH_NOT_SUPPORTED',
      'jmesPath is only supported for objectType: secret',
      'jmesPath',
      decoded.offset,
    );
    allowed = false;
  }
  if (input.objectVersionHistory > 1) {
    notWith('with objectVersionHistory > 1');
    allowed = false;
  }
  if (context.format === 'pfx' || context.format === 'pem-key' || context.format === 'pem-cert') {
    notWith(`with objectFormat ${context.format}`);
    allowed = false;
  }
  if (context.wildcard) {
    notWith('with a wildcard objectName');
    allowed = false;
  }
  const files: JmesPathFile[] = [];
  let valid = true;
  for (const [i, entry] of decoded.entries.entries()) {
    const extra = entry.keys.filter((k) => k !== 'path' && k !== 'objectAlias');
    if (extra.length > 0) {
      shapeError(`entry ${i} has the key ${goQuote(echo(extra[0]!))}`, entry.offset);
      valid = false;
      continue;
    }
    if (entry.path === undefined || entry.path.trim() === '') {
      shapeError(`entry ${i} has no path`, entry.offset);
      valid = false;
      continue;
    }
    if (entry.objectAlias === undefined) {
      shapeError(`entry ${i} has no objectAlias`, entry.offset);
      valid = false;
      continue;
    }
    const alias = entry.objectAlias.trim();
    const problem = checkFilePath(alias);
    if (problem) {
      fail(
        problem.code,
        `jmesPath objectAlias of entry ${i}: ${problem.message}`,
        'jmesPath',
        entry.aliasOffset,
      );
      valid = false;
    } else {
      claims.push({ path: alias, history: 0, offset: entry.aliasOffset });
    }
    let evaluate: (json: unknown) => unknown;
    try {
      evaluate = compileJmesPath(entry.path);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      fail(
        'INVALID_JMES_PATH',
        `jmesPath ${goQuote(echo(entry.path))} does not compile: ${echo(message.replace(/\s+/g, ' '))}`,
        'jmesPath',
        entry.pathOffset,
      );
      valid = false;
      continue;
    }
    files.push(Object.freeze({ path: entry.path, objectAlias: alias, evaluate }));
  }
  return allowed && valid ? files : undefined;
}
