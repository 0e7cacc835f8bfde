import { describe, expect, it } from 'vitest';
import {
  type Diagnostic,
  formatDiagnostic,
  lintSecretProviderClass,
  parseMountRequest,
  parseObjects,
  SpcError,
} from '../index.js';

/** `objects` text from per-object YAML bodies (each indented under `- |`). */
function objects(...bodies: string[]): string {
  return `array:\n${bodies.map((b) => `  - |\n${b.replace(/^/gm, '    ')}\n`).join('')}`;
}

function errorOf(text: string): SpcError {
  try {
    parseObjects(text);
  } catch (error) {
    if (error instanceof SpcError) return error;
    throw error;
  }
  throw new Error('parseObjects accepted the objects');
}

const SECRET = 'objectName: db\nobjectType: secret';

describe('objects without any extension key', () => {
  it('carry none of the extension fields', () => {
    const [object] = parseObjects(objects(SECRET));
    for (const key of ['optional', 'keyvaultName', 'jmesPath', 'metadata', 'wildcard', 'tags']) {
      expect(object).not.toHaveProperty(key);
    }
  });
});

describe('optional and metadata (extensions.md §1, §5)', () => {
  it('read booleans like strconv.ParseBool', () => {
    for (const text of ['1', 't', 'T', 'TRUE', 'true', 'True']) {
      const [object] = parseObjects(objects(`${SECRET}\noptional: "${text}"\nmetadata: ${text}`));
      expect(object).toMatchObject({ optional: true, metadata: true });
    }
    for (const text of ['0', 'f', 'F', 'FALSE', 'false', 'False']) {
      const [object] = parseObjects(objects(`${SECRET}\noptional: "${text}"`));
      expect(object).not.toHaveProperty('optional');
    }
  });

  it('refuse other text, naming the key, the object index and the text', () => {
    const error = errorOf(objects(SECRET, `objectName: b\nobjectType: secret\noptional: yes`));
    expect(error.code).toBe('INVALID_BOOLEAN');
    expect(error.objectIndex).toBe(1);
    expect(error.message).toBe(
      'failed to get objectType:secret, objectName:b, objectVersion:: failed to parse optional of object 1, error: strconv.ParseBool: parsing "yes": invalid syntax',
    );
    expect(errorOf(objects(`${SECRET}\nmetadata: on`)).message).toContain(
      'failed to parse metadata of object 0, error: strconv.ParseBool: parsing "on": invalid syntax',
    );
  });

  it('metadata is refused with history and its sidecar takes part in the path checks', () => {
    expect(errorOf(objects(`${SECRET}\nmetadata: "true"\nobjectVersionHistory: 3`)).message).toBe(
      'failed to get objectType:secret, objectName:db, objectVersion:: metadata is not supported with objectVersionHistory > 1',
    );
    const clash = errorOf(
      objects(
        `${SECRET}\nmetadata: "true"`,
        'objectName: other\nobjectType: secret\nobjectAlias: db.metadata.json',
      ),
    );
    expect(clash.code).toBe('DUPLICATE_FILE_PATH');
    expect(clash.message).toContain('duplicate file path "db.metadata.json" (objects 0 and 1)');
  });
});

describe('keyvaultName per object (extensions.md §2)', () => {
  it('is kept and wraps errors with the vault', () => {
    const [object] = parseObjects(objects(`${SECRET}\nkeyvaultName: kv-other`));
    expect(object?.keyvaultName).toBe('kv-other');
    const error = errorOf(objects(`${SECRET}\nkeyvaultName: kv\nobjectEncoding: rot13`));
    expect(error.message).toMatch(
      /^failed to get objectType:secret, objectName:db, objectVersion:, keyvaultName:kv: /,
    );
  });

  it('applies the vault-name rule at parse time, naming the object index', () => {
    const error = errorOf(objects(SECRET, 'objectName: b\nobjectType: secret\nkeyvaultName: kv_bad'));
    expect(error.code).toBe('INVALID_VAULT_NAME');
    expect(error.objectIndex).toBe(1);
    expect(error.message).toBe(
      'failed to get objectType:secret, objectName:b, objectVersion:, keyvaultName:kv_bad: keyvaultName of object 1: failed to get vault: Invalid vault name: "kv_bad", must match [-a-zA-Z0-9]{3,24}',
    );
    expect(errorOf(objects(`${SECRET}\nkeyvaultName: kv`)).message).toContain(
      'must be between 3 and 24 chars',
    );
  });
});

describe('objectFormat pem-key and pem-cert (extensions.md §4)', () => {
  it('are case-insensitive on secrets', () => {
    const parsed = parseObjects(
      objects(
        'objectName: tls\nobjectType: secret\nobjectFormat: PEM-Key\nobjectAlias: tls.key',
        'objectName: tls\nobjectType: secret\nobjectFormat: pem-CERT\nobjectAlias: tls.crt',
      ),
    );
    expect(parsed.map((o) => o.objectFormat)).toEqual(['pem-key', 'pem-cert']);
  });

  it('are refused on keys and certificates', () => {
    const error = errorOf(objects('objectName: k\nobjectType: key\nobjectFormat: pem-key'));
    expect(error.code).toBe('OBJECT_FORMAT_REQUIRES_SECRET');
    expect(error.message).toBe(
      'failed to get objectType:key, objectName:k, objectVersion:: objectFormat pem-key only supported for objectType: secret',
    );
  });

  it('leave the reference text for other unknown formats unchanged', () => {
    expect(errorOf(objects(`${SECRET}\nobjectFormat: der`)).message).toBe(
      'failed to get objectType:secret, objectName:db, objectVersion:: invalid objectFormat: der, should be PEM or PFX',
    );
  });
});

const JMES = `${SECRET}\njmesPath:\n  - path: username\n    objectAlias: db-user\n  - path: "hosts[0].port"\n    objectAlias: conf/db-port`;

describe('jmesPath (extensions.md §3)', () => {
  it('compiles each expression once at parse time', () => {
    const [object] = parseObjects(objects(JMES));
    expect(object?.jmesPath?.map((f) => [f.path, f.objectAlias])).toEqual([
      ['username', 'db-user'],
      ['hosts[0].port', 'conf/db-port'],
    ]);
    expect(object?.jmesPath?.[1]?.evaluate({ hosts: [{ port: 5432 }] })).toBe(5432);
  });

  it('must be a list of {path, objectAlias}', () => {
    const shapes = [
      'jmesPath: username',
      'jmesPath:\n  path: a\n  objectAlias: b',
      'jmesPath:\n  - path: a',
      'jmesPath:\n  - objectAlias: b',
      'jmesPath:\n  - path: a\n    objectAlias: b\n    extra: c',
      'jmesPath:\n  - [a, b]',
      'jmesPath: []',
    ];
    for (const shape of shapes) {
      const error = errorOf(objects(`${SECRET}\n${shape}`));
      expect(error.code, shape).toBe('INVALID_JMES_PATH');
      expect(error.message).toContain(
        'jmesPath must be a list of mappings with exactly the keys path and objectAlias',
      );
    }
  });

  it('refuses an expression that does not compile', () => {
    const error = errorOf(objects(`${SECRET}\njmesPath:\n  - path: "a["\n    objectAlias: b`));
    expect(error.code).toBe('INVALID_JMES_PATH');
    expect(error.message).toMatch(/jmesPath "a\[" does not compile: .+/);
  });

  it('is refused on keys and certificates, with history, pfx, pem-* and a wildcard', () => {
    const list = 'jmesPath:\n  - path: a\n    objectAlias: b';
    const cases: [string, string][] = [
      [`objectName: k\nobjectType: key\n${list}`, 'jmesPath is only supported for objectType: secret'],
      [
        `${SECRET}\nobjectVersionHistory: 2\n${list}`,
        'jmesPath is not supported with objectVersionHistory > 1',
      ],
      [`${SECRET}\nobjectFormat: PFX\n${list}`, 'jmesPath is not supported with objectFormat pfx'],
      [`${SECRET}\nobjectFormat: pem-key\n${list}`, 'jmesPath is not supported with objectFormat pem-key'],
      [
        `objectName: "app-*"\nobjectType: secret\n${list}`,
        'jmesPath is not supported with a wildcard objectName',
      ],
    ];
    for (const [body, cause] of cases) {
      const error = errorOf(objects(body));
      expect(error.code, body).toBe('JMES_PATH_NOT_SUPPORTED');
      expect(error.message.endsWith(`: ${cause}`), error.message).toBe(true);
    }
  });

  it('checks extracted paths like objectAlias and against every other file', () => {
    expect(errorOf(objects(`${SECRET}\njmesPath:\n  - path: a\n    objectAlias: ../x`)).code).toBe(
      'FILE_NAME_DOT_DOT',
    );
    const duplicate = errorOf(objects(JMES, 'objectName: db-user\nobjectType: secret'));
    expect(duplicate.code).toBe('DUPLICATE_FILE_PATH');
    expect(duplicate.message).toContain('duplicate file path "db-user" (objects 0 and 1)');
    const own = errorOf(objects(`${SECRET}\njmesPath:\n  - path: a\n    objectAlias: db`));
    expect(own.message).toContain('duplicate file path "db" (objects 0 and 0)');
  });
});

describe('wildcard objectName and tags (extensions.md §6)', () => {
  it('accepts a pattern with tags', () => {
    const [object] = parseObjects(
      objects(
        'objectName: "app-*"\nobjectType: secret\nmetadata: "true"\ntags:\n  env: prod\n  team: payments',
      ),
    );
    expect(object).toMatchObject({ wildcard: true, metadata: true, tags: { env: 'prod', team: 'payments' } });
  });

  it('is refused with an alias, a version, history and on other types', () => {
    const cases: [string, string][] = [
      [
        'objectName: "*"\nobjectType: secret\nobjectAlias: x',
        'a wildcard objectName cannot be used with objectAlias',
      ],
      [
        'objectName: "*"\nobjectType: secret\nobjectVersion: abc',
        'a wildcard objectName cannot be used with objectVersion',
      ],
      [
        'objectName: "*"\nobjectType: secret\nobjectVersionHistory: 2',
        'a wildcard objectName cannot be used with objectVersionHistory > 1',
      ],
      [
        'objectName: "*-tls"\nobjectType: cert',
        'a wildcard objectName is only supported for objectType: secret',
      ],
    ];
    for (const [body, cause] of cases) {
      const error = errorOf(objects(body));
      expect(error.code, body).toBe('WILDCARD_NOT_SUPPORTED');
      expect(error.message.endsWith(`: ${cause}`), error.message).toBe(true);
    }
  });

  it('refuses tags without a wildcard or that are not a mapping of text', () => {
    expect(errorOf(objects(`${SECRET}\ntags:\n  env: prod`)).message).toContain(
      'tags is only supported with a wildcard objectName',
    );
    for (const tags of ['tags: prod', 'tags:\n  - env', 'tags:\n  env:\n    nested: x']) {
      const error = errorOf(objects(`objectName: "*"\nobjectType: secret\n${tags}`));
      expect(error.code, tags).toBe('INVALID_TAGS');
    }
  });

  it('claims no file before the listing', () => {
    expect(
      parseObjects(objects('objectName: "*"\nobjectType: secret', 'objectName: "*"\nobjectType: secret')),
    ).toHaveLength(2);
  });
});

describe('parseMountRequest', () => {
  it('reports extension errors as configuration errors before anything else happens', () => {
    const attributes = JSON.stringify({
      'csi.storage.k8s.io/pod.name': 'p',
      'csi.storage.k8s.io/pod.namespace': 'n',
      usePodIdentity: 'true',
      keyvaultName: 'kv-main',
      tenantId: 't',
      objects: objects(`${SECRET}\noptional: maybe`),
    });
    expect(() => parseMountRequest({ attributes, secrets: '{}', permission: '420' })).toThrow(
      /failed to parse optional of object 0/,
    );
  });
});

const HEADER = `apiVersion: secrets-store.csi.x-k8s.io/v1
kind: SecretProviderClass
metadata:
  name: shop
spec:
  provider: azure
  parameters:
    usePodIdentity: "true"
    keyvaultName: kv-shop
    tenantId: tid
    objects: |
      array:
`;

describe('lint: every misuse at its line and column', () => {
  const lint = (text: string): string[] =>
    lintSecretProviderClass(text, { fileName: 'spc.yaml' })
      .filter((d: Diagnostic) => d.severity === 'error')
      .map((d) => formatDiagnostic(d, 'spc.yaml'));

  it('points at the value of each bad key', () => {
    const manifest = `${HEADER}        - |
          objectName: db
          objectType: secret
          optional: sometimes
          keyvaultName: x
        - |
          objectName: k
          objectType: key
          objectFormat: pem-cert
          metadata: "true"
          objectVersionHistory: 2
        - |
          objectName: "app-*"
          objectType: secret
          objectAlias: app
          tags: prod
        - |
          objectName: j
          objectType: secret
          jmesPath:
            - path: "a[["
              objectAlias: j-a
            - path: b
              objectAlias: j
`;
    const found = lint(manifest);
    const at = (needle: string): string | undefined => found.find((line) => line.includes(needle));
    expect(at('failed to parse optional')).toMatch(/^spc\.yaml:16:21 /);
    expect(at('Invalid vault name')).toMatch(/^spc\.yaml:17:25 /);
    expect(at('objectFormat pem-cert only supported')).toMatch(/^spc\.yaml:21:25 /);
    expect(at('metadata is not supported')).toMatch(/^spc\.yaml:22:21 /);
    expect(at('cannot be used with objectAlias')).toMatch(/^spc\.yaml:27:24 /);
    expect(at('tags must be a mapping')).toMatch(/^spc\.yaml:28:17 /);
    expect(at('does not compile')).toMatch(/^spc\.yaml:33:21 /);
    expect(at('duplicate file path "j"')).toMatch(/^spc\.yaml:36:28 /);
  });

  it('gives no OBJECT_NAME_PATTERN warning for a wildcard', () => {
    const manifest = `${HEADER}        - |
          objectName: "*-tls"
          objectType: secret
`;
    expect(lintSecretProviderClass(manifest)).toEqual([]);
  });
});
