import { checkFilePath } from '../file-path.js';
import { MAX_OBJECT_VERSION_HISTORY } from '../input-limits.js';
import type { KeyVaultObject, ObjectEncoding, ObjectFormat, ObjectType } from '../mount-plan.js';
import type { ObjectField } from '../object-fields.js';
import type { SpcErrorCode } from '../spc-error.js';
import type { AnalyzedObject, PathClaim } from './analyzed-object.js';
import type { DecodedItem } from './decode-object.js';
import { echo } from './echo.js';
import { equalFold, goQuote } from './go-text.js';
import { checkExtensions, METADATA_SUFFIX } from './object-extensions.js';
import { type Report, wrapObject } from './object-issue.js';
import type { ArrayItem } from './string-array.js';

const OBJECT_TYPES: ReadonlySet<string> = new Set<ObjectType>(['secret', 'key', 'cert']);
const OBJECT_NAME_PATTERN = /^[0-9a-zA-Z-]{1,127}$/;
const WILDCARD_PATTERN = /^[0-9a-zA-Z*-]{1,127}$/;
const FILE_PERMISSION_PATTERN = /^[0-7]{1,4}$/;

/**
 * Validates one decoded object: the reference's checks in its order (step 14), then ours
 * (docs/spc-parameters.md §7) and those of the per-object extensions. Reports every problem at the
 * field at fault; `object` is set only when there was none.
 */
export function validateObject(
  decoded: DecodedItem,
  item: ArrayItem,
  index: number,
  defaultFileMode: number,
  report: Report,
): AnalyzedObject {
  const { fields, fieldOffsets, objectVersionHistory } = decoded;
  const wrap = (cause: string): string => wrapObject(fields, cause);
  let failed = false;
  const fail = (code: SpcErrorCode, cause: string, field: ObjectField | undefined, at?: number): void => {
    failed = true;
    const offset = at ?? (field && fieldOffsets[field]) ?? item.offset;
    report({ severity: 'error', code, message: wrap(cause), offset, objectIndex: index });
  };

  // The reference's checks, in its order ...
  const format = fields.objectFormat;
  const extendedFormat = extendedObjectFormat(format);
  if (format !== '') {
    if (extendedFormat !== undefined) {
      if (fields.objectType !== 'secret') {
        fail(
          'OBJECT_FORMAT_REQUIRES_SECRET',
          `objectFormat ${extendedFormat} only supported for objectType: secret`,
          'objectFormat',
        );
      }
    } else if (!equalFold(format, 'pem') && !equalFold(format, 'pfx')) {
      fail(
        'INVALID_OBJECT_FORMAT',
        `invalid objectFormat: ${echo(format)}, should be PEM or PFX`,
        'objectFormat',
      );
    } else if (equalFold(format, 'pfx') && fields.objectType !== 'secret') {
      fail('PFX_REQUIRES_SECRET', 'PFX format only supported for objectType: secret', 'objectFormat');
    }
  }
  const encoding = fields.objectEncoding;
  if (encoding !== '') {
    if (fields.objectType !== 'secret') {
      fail(
        'ENCODING_REQUIRES_SECRET',
        'objectEncoding only supported for objectType: secret',
        'objectEncoding',
      );
    }
    if (!equalFold(encoding, 'hex') && !equalFold(encoding, 'base64') && !equalFold(encoding, 'utf-8')) {
      fail(
        'INVALID_OBJECT_ENCODING',
        `invalid objectEncoding: ${echo(encoding)}, should be hex, base64 or utf-8`,
        'objectEncoding',
      );
    }
  }
  const wildcard = fields.objectName.includes('*');
  const fileName = fields.objectAlias !== '' ? fields.objectAlias : fields.objectName;
  const pathProblem = wildcard && fields.objectAlias === '' ? undefined : checkFilePath(fileName);
  if (pathProblem) {
    fail(pathProblem.code, pathProblem.message, fields.objectAlias !== '' ? 'objectAlias' : 'objectName');
  }
  // ... then ours (docs/spc-parameters.md §7).
  if (fields.objectName === '') fail('OBJECT_NAME_MISSING', 'objectName must not be empty', 'objectName');
  if (!OBJECT_TYPES.has(fields.objectType)) {
    fail('INVALID_OBJECT_TYPE', 'Invalid vaultObjectTypes. Should be secret, key, or cert', 'objectType');
  }
  const permission = fields.filePermission;
  let fileMode = defaultFileMode;
  if (permission !== '') {
    const mode = FILE_PERMISSION_PATTERN.test(permission) ? Number.parseInt(permission, 8) : 0;
    if (mode < 1 || mode > 0o777) {
      fail(
        'INVALID_FILE_PERMISSION',
        `file permission must be a valid octal number: ${goQuote(echo(permission))}`,
        'filePermission',
      );
    } else {
      fileMode = mode;
    }
  }
  if (objectVersionHistory < 0) {
    fail(
      'INVALID_OBJECT_VERSION_HISTORY',
      `objectVersionHistory must not be negative: ${objectVersionHistory}`,
      'objectVersionHistory',
    );
  } else if (objectVersionHistory > MAX_OBJECT_VERSION_HISTORY) {
    fail(
      'OBJECT_VERSION_HISTORY_TOO_LARGE',
      `objectVersionHistory ${objectVersionHistory} is over the limit of ${MAX_OBJECT_VERSION_HISTORY}`,
      'objectVersionHistory',
    );
  }
  const extensions = checkExtensions(
    { fields, fieldOffsets, objectVersionHistory, jmesPath: decoded.jmesPath, tags: decoded.tags },
    { index, itemOffset: item.offset, wildcard, format: extendedFormat ?? format.toLowerCase() },
    fail,
  );
  const namePattern = wildcard ? WILDCARD_PATTERN : OBJECT_NAME_PATTERN;
  if (fields.objectName !== '' && !namePattern.test(fields.objectName)) {
    report({
      severity: 'warning',
      code: 'OBJECT_NAME_PATTERN',
      message: `objectName ${goQuote(echo(fields.objectName))} is not a valid Key Vault object name (1-127 characters of 0-9, a-z, A-Z and -)`,
      offset: fieldOffsets.objectName ?? item.offset,
      objectIndex: index,
    });
  }

  const object: KeyVaultObject | undefined = failed
    ? undefined
    : Object.freeze({
        index,
        objectName: fields.objectName,
        objectType: fields.objectType as ObjectType,
        objectAlias: fields.objectAlias,
        objectVersion: fields.objectVersion,
        objectVersionHistory,
        objectFormat: (extendedFormat ??
          (format === '' ? 'pem' : equalFold(format, 'pfx') ? 'pfx' : 'pem')) as ObjectFormat,
        objectEncoding: canonicalEncoding(encoding),
        filePermission: permission,
        fileMode,
        fileName,
        ...extensions.object,
      });
  const claims: PathClaim[] = [];
  if (!pathProblem && !wildcard) {
    const offset = fieldOffsets.objectAlias ?? fieldOffsets.objectName ?? item.offset;
    claims.push({ path: fileName, history: objectVersionHistory, offset });
    claims.push(...extensions.claims);
    if (extensions.object.metadata) {
      claims.push({
        path: `${fileName}${METADATA_SUFFIX}`,
        history: 0,
        offset: fieldOffsets.metadata ?? offset,
      });
    }
  }
  return {
    index,
    offset: item.offset,
    fields,
    objectVersionHistory,
    fileName: pathProblem || wildcard ? undefined : fileName,
    fieldOffsets,
    object,
    claims,
  };
}

function canonicalEncoding(encoding: string): ObjectEncoding {
  if (equalFold(encoding, 'hex')) return 'hex';
  if (equalFold(encoding, 'base64')) return 'base64';
  return 'utf-8';
}

/** `pem-key` / `pem-cert` (case-insensitive, extensions.md §4), else `undefined`. */
function extendedObjectFormat(format: string): 'pem-key' | 'pem-cert' | undefined {
  if (equalFold(format, 'pem-key')) return 'pem-key';
  if (equalFold(format, 'pem-cert')) return 'pem-cert';
  return undefined;
}
