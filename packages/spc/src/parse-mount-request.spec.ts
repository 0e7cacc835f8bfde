import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { BASE_ATTRIBUTES, failure, plan } from '../test/request.js';
import { parseMountRequest, SpcError } from './index.js';

const SECRET_OBJECT = 'array:\n  - |\n    objectName: db-password\n    objectType: secret\n';

describe('parseMountRequest: a valid pod-identity request', () => {
  it('produces the plan with vault URL, cloud, identity, pod and objects', () => {
    const result = plan({ podIdentityClientID: ' 00000000-aaaa ' });
    expect(result.pod).toEqual({
      name: 'web-0',
      namespace: 'shop',
      uid: '9d2e0c1a-5b7f-4c1e-9a53-0f6b2d0f7e11',
      serviceAccountName: 'web',
    });
    expect(result.keyvaultName).toBe('kv-shop');
    expect(result.vaultUrl).toBe('https://kv-shop.vault.azure.net/');
    expect(result.tenantId).toBe('72f988bf-0000-0000-0000-000000000000');
    expect(result.cloud.name).toBe('AzurePublicCloud');
    expect(result.cloud.keyVaultResource).toBe('https://vault.azure.net');
    expect(result.identity).toEqual({ mode: 'PodIdentity', podIdentityClientId: '00000000-aaaa' });
    expect(result.defaultFileMode).toBe(420);
    expect(result.secretProviderClass).toBe('kv-shop');
    expect(result.objects).toEqual([
      {
        index: 0,
        objectName: 'db-password',
        objectType: 'secret',
        objectAlias: '',
        objectVersion: '',
        objectVersionHistory: 0,
        objectFormat: 'pem',
        objectEncoding: 'utf-8',
        filePermission: '',
        fileMode: 420,
        fileName: 'db-password',
      },
    ]);
  });

  it('accepts the attribute JSON example of docs/provider-grpc.md §3.1 verbatim', () => {
    const attributes =
      '{"csi.storage.k8s.io/ephemeral":"true","csi.storage.k8s.io/pod.name":"web-0",\n' +
      ' "csi.storage.k8s.io/pod.namespace":"shop","csi.storage.k8s.io/pod.uid":"9d2e0c1a-5b7f-4c1e-9a53-0f6b2d0f7e11",\n' +
      ' "csi.storage.k8s.io/serviceAccount.name":"web","keyvaultName":"kv-shop",\n' +
      ' "objects":"array:\\n  - |\\n    objectName: db-password\\n    objectType: secret\\n",\n' +
      ' "secretProviderClass":"kv-shop","tenantId":"72f988bf-0000-0000-0000-000000000000","usePodIdentity":"true"}';
    const result = parseMountRequest({ attributes, secrets: 'null', permission: '420' });
    expect(result.objects.map((o) => o.fileName)).toEqual(['db-password']);
  });

  it('trims every parameter with Go white space (U+0085 yes, U+FEFF no)', () => {
    const result = plan({
      keyvaultName: '\u0085 kv-shop\t',
      tenantId: ' t \n',
      usePodIdentity: ' true\u0085',
    });
    expect(result.keyvaultName).toBe('kv-shop');
    expect(result.tenantId).toBe('t');
    expect(failure({ keyvaultName: '\ufeffkv-shop' }).message).toBe(
      'failed to get vault: Invalid vault name: "\\ufeffkv-shop", must match [-a-zA-Z0-9]{3,24}',
    );
  });

  it('prefers tenantID over tenantId and falls back to tenantId when tenantID is blank', () => {
    expect(plan({ tenantID: 'new', tenantId: 'old' }).tenantId).toBe('new');
    expect(plan({ tenantID: '  ', tenantId: 'old' }).tenantId).toBe('old');
  });

  it('ignores unknown and legacy parameters and needs neither secretProviderClass nor ephemeral', () => {
    const result = plan({
      resourceGroup: 'rg',
      subscriptionId: 's',
      whatever: 'x',
      secretProviderClass: undefined,
    });
    expect(result.secretProviderClass).toBe('');
  });

  it('reads parameter names case-sensitively', () => {
    expect(failure({ keyvaultName: undefined, KeyvaultName: 'kv-shop' }).code).toBe('VAULT_NAME_MISSING');
  });
});

describe('parseMountRequest: JSON payloads', () => {
  const raw = (attributes: string, secrets = 'null', permission = '420'): SpcError => {
    try {
      parseMountRequest({ attributes, secrets, permission });
    } catch (error) {
      if (error instanceof SpcError) return error;
      throw error;
    }
    throw new Error('expected failure');
  };
  const valid = JSON.stringify(BASE_ATTRIBUTES);

  it('rejects an empty or broken attributes string without echoing it', () => {
    expect(raw('').message).toBe('failed to unmarshal attributes, error: unexpected end of JSON input');
    expect(raw('').code).toBe('INVALID_ATTRIBUTES_JSON');
    const broken = raw('{"keyvaultName": supersecret}');
    expect(broken.message).toMatch(/^failed to unmarshal attributes, error: /);
    expect(broken.message).not.toContain('supersecret');
  });

  it('rejects attribute values that are not strings, and a non-object root', () => {
    expect(raw('{"a": 1}').message).toBe(
      'failed to unmarshal attributes, error: json: cannot unmarshal number into Go value of type string',
    );
    expect(raw('{"a": {"b": "c"}}').message).toBe(
      'failed to unmarshal attributes, error: json: cannot unmarshal object into Go value of type string',
    );
    expect(raw('[]').message).toBe(
      'failed to unmarshal attributes, error: json: cannot unmarshal array into Go value of type map[string]string',
    );
  });

  it('treats attributes `null` as an empty map and a null value as ""', () => {
    expect(raw('null').message).toBe('pod name is not provided');
    expect(raw(JSON.stringify({ ...BASE_ATTRIBUTES, 'csi.storage.k8s.io/pod.name': null })).code).toBe(
      'POD_NAME_MISSING',
    );
  });

  it('treats `__proto__` and other prototype names as ordinary keys', () => {
    const attributes = `{"__proto__":{"x":"y"},${valid.slice(1)}`;
    expect(raw(attributes).message).toBe(
      'failed to unmarshal attributes, error: json: cannot unmarshal object into Go value of type string',
    );
    const result = parseMountRequest({
      attributes: `{"__proto__":"x","constructor":"y","toString":"z",${valid.slice(1)}`,
      secrets: '{"__proto__":"a"}',
      permission: '420',
    });
    expect(result.keyvaultName).toBe('kv-shop');
  });

  it('accepts secrets `null`, `{}` and any keys; rejects invalid secrets without echoing them', () => {
    expect(parseMountRequest({ attributes: valid, secrets: '{}', permission: '420' }).objects).toHaveLength(
      1,
    );
    expect(
      parseMountRequest({ attributes: valid, secrets: '{"x":"y"}', permission: '420' }).objects,
    ).toHaveLength(1);
    const error = raw(valid, '{"clientsecret": hunter2}');
    expect(error.code).toBe('INVALID_SECRETS_JSON');
    expect(error.message).toMatch(/^failed to unmarshal secrets, error: /);
    expect(error.message).not.toContain('hunter2');
    expect(raw(valid, '{"clientsecret": 42}').message).toBe(
      'failed to unmarshal secrets, error: json: cannot unmarshal number into Go value of type string',
    );
    expect(raw(valid, '').message).toBe('failed to unmarshal secrets, error: unexpected end of JSON input');
  });

  it('decodes permission as a decimal JSON number 0..511', () => {
    expect(plan({}, { permission: '420' }).defaultFileMode).toBe(420);
    expect(plan({}, { permission: ' 384\n' }).objects[0]!.fileMode).toBe(384);
    expect(plan({}, { permission: '511' }).defaultFileMode).toBe(511);
    expect(raw(valid, 'null', '777').message).toBe(
      'failed to unmarshal file permission, error: file mode 777 is out of range 0..511 (0777)',
    );
    expect(raw(valid, 'null', '"420"').message).toBe(
      'failed to unmarshal file permission, error: json: cannot unmarshal string into Go value of type fs.FileMode',
    );
    expect(raw(valid, 'null', '-1').message).toBe(
      'failed to unmarshal file permission, error: json: cannot unmarshal number -1 into Go value of type fs.FileMode',
    );
    expect(raw(valid, 'null', '4.2e2').message).toBe(
      'failed to unmarshal file permission, error: json: cannot unmarshal number 4.2e2 into Go value of type fs.FileMode',
    );
    expect(raw(valid, 'null', '').message).toBe(
      'failed to unmarshal file permission, error: unexpected end of JSON input',
    );
    expect(raw(valid, 'null', '').code).toBe('INVALID_PERMISSION');
  });

  it('decodes attributes before secrets before permission', () => {
    expect(raw('x', 'x', 'x').code).toBe('INVALID_ATTRIBUTES_JSON');
    expect(raw(valid, 'x', 'x').code).toBe('INVALID_SECRETS_JSON');
  });

  it('throws SpcError for non-string payload fields from JavaScript callers', () => {
    const call = (request: unknown) => () => parseMountRequest(request as never);
    expect(call({ attributes: 1, secrets: 'null', permission: '420' })).toThrow(SpcError);
    expect(call(null)).toThrow(SpcError);
    expect(call({ attributes: valid, secrets: 'null' })).toThrow(
      'failed to unmarshal file permission, error: permission must be a JSON string, got undefined',
    );
  });
});

describe('parseMountRequest: validation order and exact messages (steps 1–16)', () => {
  const everythingWrong = {
    'csi.storage.k8s.io/pod.name': ' ',
    'csi.storage.k8s.io/pod.namespace': '',
    usePodIdentity: 'tru',
    useVMManagedIdentity: 'yes',
    useAzureTokenProxy: 'on',
    keyvaultName: '',
    tenantId: '',
    cloudName: 'AzureMoon',
    objects: '',
  };

  it('reports the first failing step in the reference order', () => {
    const steps: [Record<string, string | undefined>, string, string][] = [
      [{}, 'POD_NAME_MISSING', 'pod name is not provided'],
      [{ 'csi.storage.k8s.io/pod.name': 'p' }, 'POD_NAMESPACE_MISSING', 'pod namespace is not provided'],
      [
        { 'csi.storage.k8s.io/pod.namespace': 'n' },
        'INVALID_BOOLEAN',
        'failed to parse usePodIdentity flag, error: strconv.ParseBool: parsing "tru": invalid syntax',
      ],
      [
        { usePodIdentity: 'true' },
        'INVALID_BOOLEAN',
        'failed to parse useVMManagedIdentity flag, error: strconv.ParseBool: parsing "yes": invalid syntax',
      ],
      [
        { useVMManagedIdentity: 'True' },
        'INVALID_BOOLEAN',
        'failed to parse useAzureTokenProxy flag, error: strconv.ParseBool: parsing "on": invalid syntax',
      ],
      [
        { useAzureTokenProxy: '' },
        'IDENTITY_MODE_CONFLICT',
        'only one identity mode can be enabled at a time: usePodIdentity, useVMManagedIdentity, or useAzureTokenProxy',
      ],
      [{ useVMManagedIdentity: 'false' }, 'VAULT_NAME_MISSING', 'keyvaultName is not provided'],
      [{ keyvaultName: 'kv' }, 'TENANT_ID_MISSING', 'tenantId is not provided'],
      [
        { tenantId: 't' },
        'UNKNOWN_CLOUD',
        'cloudName AzureMoon is not valid, error: autorest/azure: There is no cloud environment matching the name "AZUREMOON"',
      ],
      [{ cloudName: 'azurechinacloud' }, 'OBJECTS_MISSING', 'objects is not set'],
      [
        { objects: 'array: [' },
        'INVALID_OBJECTS_YAML',
        'failed to yaml unmarshal objects, error: yaml: line 1: ',
      ],
      [{ objects: 'array: []' }, 'OBJECTS_EMPTY', 'objects array is empty: at least one object is required'],
      [
        { objects: SECRET_OBJECT },
        'INVALID_VAULT_NAME',
        'failed to get vault: Invalid vault name: "kv", must be between 3 and 24 chars',
      ],
    ];
    let attributes: Record<string, string | undefined> = { ...everythingWrong };
    for (const [change, code, message] of steps) {
      attributes = { ...attributes, ...change };
      const error = failure(attributes);
      expect(error.code).toBe(code);
      if (message.endsWith('error: yaml: line 1: ')) expect(error.message.startsWith(message)).toBe(true);
      else expect(error.message).toBe(message);
    }
    attributes = { ...attributes, keyvaultName: 'kv-ok' };
    expect(plan(attributes).cloud.name).toBe('AzureChinaCloud');
  });

  it('treats an empty boolean as false and accepts every strconv.ParseBool spelling', () => {
    for (const value of ['1', 't', 'T', 'TRUE', 'true', 'True'])
      expect(plan({ usePodIdentity: value }).identity.mode).toBe('PodIdentity');
    const servicePrincipal = { secrets: '{"clientid":"c","clientsecret":"s"}' };
    expect(plan({ usePodIdentity: '', clientID: '' }, servicePrincipal).identity.mode).toBe(
      'ServicePrincipal',
    );
    expect(plan({ usePodIdentity: 'F' }, servicePrincipal).identity.mode).toBe('ServicePrincipal');
  });

  it('Go-quotes the rejected boolean and cuts long values to 100 characters', () => {
    expect(failure({ usePodIdentity: 'a"b\u0085' }).message).toBe(
      'failed to parse usePodIdentity flag, error: strconv.ParseBool: parsing "a\\"b": invalid syntax',
    );
    expect(failure({ usePodIdentity: 'x\ty' }).message).toBe(
      'failed to parse usePodIdentity flag, error: strconv.ParseBool: parsing "x\\ty": invalid syntax',
    );
    const long = failure({ usePodIdentity: 'y'.repeat(5000) }).message;
    expect(long).toBe(
      `failed to parse usePodIdentity flag, error: strconv.ParseBool: parsing "${'y'.repeat(100)}…": invalid syntax`,
    );
  });

  it('checks the vault name rule last, in bytes, with both reference messages', () => {
    expect(failure({ keyvaultName: 'kv_test' }).message).toBe(
      'failed to get vault: Invalid vault name: "kv_test", must match [-a-zA-Z0-9]{3,24}',
    );
    expect(failure({ keyvaultName: 'longkeyvaultnamewhichisnotvalid' }).message).toBe(
      'failed to get vault: Invalid vault name: "longkeyvaultnamewhichisnotvalid", must be between 3 and 24 chars',
    );
    expect(failure({ keyvaultName: 'ééééééééééééé' }).message).toBe(
      'failed to get vault: Invalid vault name: "ééééééééééééé", must be between 3 and 24 chars',
    );
    expect(failure({ keyvaultName: 'kv', objects: 'array: [' }).code).toBe('INVALID_OBJECTS_YAML');
    expect(plan({ keyvaultName: 'testkv' }).vaultUrl).toBe('https://testkv.vault.azure.net/');
    // Azure's extra rules are lint warnings only.
    expect(plan({ keyvaultName: '1kv--' }).vaultUrl).toBe('https://1kv--.vault.azure.net/');
  });
});

describe('parseMountRequest: clouds', () => {
  const customCloud = JSON.stringify({
    name: 'AzureStackCloud',
    activeDirectoryEndpoint: 'https://login.stack.example/',
    keyVaultEndpoint: 'https://vault.stack.example/',
    keyVaultDNSSuffix: 'vault.stack.example',
  });

  it('looks clouds up case-insensitively, with the Azure CLI aliases', () => {
    expect(plan({ cloudName: 'AZUREUSGOVERNMENTCLOUD' }).vaultUrl).toBe(
      'https://kv-shop.vault.usgovcloudapi.net/',
    );
    expect(plan({ cloudName: 'azureusgovernment' }).cloud.name).toBe('AzureUSGovernmentCloud');
    expect(plan({ cloudName: 'AzureCloud' }).cloud.name).toBe('AzurePublicCloud');
    expect(plan({ cloudName: 'azuregermancloud' }).vaultUrl).toBe('https://kv-shop.vault.microsoftazure.de/');
    expect(plan({ cloudName: 'AzureChinaCloud' }).cloud.activeDirectoryEndpoint).toBe(
      'https://login.chinacloudapi.cn/',
    );
  });

  it('uses the daemon default only when cloudName is empty', () => {
    expect(plan({}, { options: { defaultCloudName: 'AzureChinaCloud' } }).cloud.name).toBe('AzureChinaCloud');
    expect(
      plan({ cloudName: 'AzurePublicCloud' }, { options: { defaultCloudName: 'AzureChinaCloud' } }).cloud
        .name,
    ).toBe('AzurePublicCloud');
    expect(failure({}, { options: { defaultCloudName: 'nope' } }).message).toBe(
      'cloudName nope is not valid, error: autorest/azure: There is no cloud environment matching the name "NOPE"',
    );
  });

  it('reads the custom cloud file per mount through the injected reader', () => {
    const reads: string[] = [];
    const readTextFile = (path: string): string => {
      reads.push(path);
      return customCloud;
    };
    const result = plan(
      { cloudName: 'azurestackcloud', cloudEnvFileName: ' /etc/kubernetes/custom.json ' },
      { options: { readTextFile } },
    );
    expect(reads).toEqual(['/etc/kubernetes/custom.json']);
    expect(result.vaultUrl).toBe('https://kv-shop.vault.stack.example/');
    expect(result.cloud).toEqual({
      name: 'AzureStackCloud',
      keyVaultDnsSuffix: 'vault.stack.example',
      keyVaultResource: 'https://vault.stack.example',
      activeDirectoryEndpoint: 'https://login.stack.example/',
    });
    expect(process.env.AZURE_ENVIRONMENT_FILEPATH).toBeUndefined();
    plan(
      { cloudName: 'AzureStackCloud' },
      { options: { readTextFile, defaultCloudEnvFileName: '/etc/default-cloud.json' } },
    );
    expect(reads.at(-1)).toBe('/etc/default-cloud.json');
  });

  it('does not read the file for other clouds', () => {
    const readTextFile = (): string => {
      throw new Error('must not read');
    };
    expect(plan({ cloudEnvFileName: '/x.json' }, { options: { readTextFile } }).cloud.name).toBe(
      'AzurePublicCloud',
    );
  });

  it('fails with the reference message for a missing file (real file system)', () => {
    expect(
      failure({ cloudName: 'AzureStackCloud', cloudEnvFileName: '/etc/kubernetes/akscustom.json' }).message,
    ).toBe(
      'cloudName AzureStackCloud is not valid, error: open /etc/kubernetes/akscustom.json: no such file or directory',
    );
    expect(failure({ cloudName: 'AzureStackCloud' }).message).toBe(
      'cloudName AzureStackCloud is not valid, error: open : no such file or directory',
    );
    expect(failure({ cloudName: 'AzureStackCloud', cloudEnvFileName: '/' }).message).toBe(
      'cloudName AzureStackCloud is not valid, error: read /: is a directory',
    );
  });

  it('reads a real custom cloud file, but never a device, FIFO or huge file', () => {
    const directory = mkdtempSync(join(tmpdir(), 'spc-cloud-'));
    try {
      const file = join(directory, 'cloud.json');
      writeFileSync(file, customCloud);
      expect(plan({ cloudName: 'AzureStackCloud', cloudEnvFileName: file }).vaultUrl).toBe(
        'https://kv-shop.vault.stack.example/',
      );
      expect(failure({ cloudName: 'AzureStackCloud', cloudEnvFileName: '/dev/zero' }).message).toBe(
        'cloudName AzureStackCloud is not valid, error: open /dev/zero: not a regular file',
      );
      const big = join(directory, 'big.json');
      writeFileSync(big, ' '.repeat((1 << 20) + 1));
      expect(failure({ cloudName: 'AzureStackCloud', cloudEnvFileName: big }).message).toBe(
        `cloudName AzureStackCloud is not valid, error: open ${big}: larger than 1048576 bytes`,
      );
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('never follows a symbolic link the SecretProviderClass names, but follows the operator file', () => {
    const directory = mkdtempSync(join(tmpdir(), 'spc-cloud-link-'));
    try {
      const file = join(directory, 'cloud.json');
      writeFileSync(file, customCloud);
      const link = join(directory, 'link.json');
      symlinkSync(file, link);
      expect(failure({ cloudName: 'AzureStackCloud', cloudEnvFileName: link }).message).toBe(
        `cloudName AzureStackCloud is not valid, error: open ${link}: is a symbolic link, which is not followed (name the regular file itself)`,
      );
      // A link to a device is refused before anything is read from it.
      const toDevice = join(directory, 'zero.json');
      symlinkSync('/dev/zero', toDevice);
      expect(failure({ cloudName: 'AzureStackCloud', cloudEnvFileName: toDevice }).code).toBe(
        'CLOUD_FILE_UNREADABLE',
      );
      // The operator's AZURE_ENVIRONMENT_FILEPATH may be a ConfigMap file, which is a link.
      expect(
        plan({ cloudName: 'AzureStackCloud' }, { options: { defaultCloudEnvFileName: link } }).vaultUrl,
      ).toBe('https://kv-shop.vault.stack.example/');
      expect(
        failure({ cloudName: 'AzureStackCloud' }, { options: { defaultCloudEnvFileName: toDevice } }).message,
      ).toBe(`cloudName AzureStackCloud is not valid, error: open ${toDevice}: not a regular file`);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('uses the default cloud resolved at start-up when the SecretProviderClass sets no cloudName', () => {
    const stack = {
      name: 'AzureStackCloud',
      keyVaultDnsSuffix: 'vault.start-up.example',
      keyVaultResource: 'https://vault.start-up.example',
      activeDirectoryEndpoint: 'https://login.start-up.example/',
    };
    const readTextFile = (): string => {
      throw new Error('must not read: the start-up copy is used');
    };
    const result = plan(
      { cloudEnvFileName: '/ignored-without-cloudName.json' },
      { options: { defaultCloudName: 'AzureStackCloud', defaultCloud: stack, readTextFile } },
    );
    expect(result.cloud).toBe(stack);
    expect(result.vaultUrl).toBe('https://kv-shop.vault.start-up.example/');
    // An explicit cloudName is resolved as usual.
    expect(plan({ cloudName: 'AzureChinaCloud' }, { options: { defaultCloud: stack } }).cloud.name).toBe(
      'AzureChinaCloud',
    );
  });

  it('names the missing field of an incomplete custom cloud file, and rejects non-JSON', () => {
    const readTextFile = (): string => '{"keyVaultDNSSuffix":"x","activeDirectoryEndpoint":"https://a/"}';
    const error = failure(
      { cloudName: 'AzureStackCloud', cloudEnvFileName: '/c.json' },
      { options: { readTextFile } },
    );
    expect(error.code).toBe('INVALID_CLOUD_FILE');
    expect(error.message).toBe(
      'cloudName AzureStackCloud is not valid, error: custom cloud file /c.json lacks keyVaultEndpoint',
    );
    const notJson = failure(
      { cloudName: 'AzureStackCloud', cloudEnvFileName: '/c.json' },
      { options: { readTextFile: () => 'not json' } },
    );
    expect(notJson.message).toBe(
      'cloudName AzureStackCloud is not valid, error: custom cloud file /c.json is not valid JSON',
    );
  });
});

describe('parseMountRequest: identity (step 11)', () => {
  const tokens = (audience: string, token = 'eyJ.secret-token.sig'): string =>
    JSON.stringify({ [audience]: { token, expirationTimestamp: '2030-01-01T00:00:00Z' } });
  const noMode = { usePodIdentity: undefined } as const;

  it('selects VM managed identity with an optional user-assigned identity', () => {
    expect(
      plan({ usePodIdentity: 'false', useVMManagedIdentity: 'true', userAssignedIdentityID: ' id1 ' })
        .identity,
    ).toEqual({
      mode: 'VMManagedIdentity',
      userAssignedIdentityId: 'id1',
    });
  });

  it('selects workload identity with clientID and the api://AzureADTokenExchange token', () => {
    const result = plan({
      ...noMode,
      clientID: 'client-1',
      'csi.storage.k8s.io/serviceAccount.tokens': tokens('api://AzureADTokenExchange'),
    });
    expect(result.identity.mode).toBe('WorkloadIdentity');
    if (result.identity.mode !== 'WorkloadIdentity') return;
    expect(result.identity.clientId).toBe('client-1');
    expect(result.identity.serviceAccountToken).toBe('eyJ.secret-token.sig');
    expect(JSON.stringify(result)).not.toContain('secret-token');
    expect(inspect(result, { depth: 10 })).not.toContain('secret-token');
  });

  it('reads the tokens from secrets when kubelet passes them there (Kubernetes 1.35)', () => {
    const result = plan(
      { ...noMode, clientID: 'client-1' },
      {
        secrets: JSON.stringify({
          'csi.storage.k8s.io/serviceAccount.tokens': tokens('api://AzureADTokenExchange'),
        }),
      },
    );
    expect(result.identity.mode).toBe('WorkloadIdentity');
  });

  it('fails workload identity with the reference messages and never echoes a token', () => {
    const prefix =
      'failed to build auth config for mode None: failed to parse workload identity tokens, error: ';
    expect(failure({ ...noMode, clientID: 'c' }).message).toBe(`${prefix}service account tokens not found`);
    expect(
      failure({ ...noMode, clientID: 'c', 'csi.storage.k8s.io/serviceAccount.tokens': tokens('api://other') })
        .message,
    ).toBe(`${prefix}token for audience api://AzureADTokenExchange not found`);
    const broken = failure({
      ...noMode,
      clientID: 'c',
      'csi.storage.k8s.io/serviceAccount.tokens': '{"aud": eyJhbGciOi',
    });
    expect(broken.code).toBe('INVALID_SERVICE_ACCOUNT_TOKENS');
    expect(broken.message.startsWith(`${prefix}failed to unmarshal service account tokens, error: `)).toBe(
      true,
    );
    expect(broken.message).not.toContain('eyJhbGciOi');
    expect(
      failure({ ...noMode, clientID: 'c', 'csi.storage.k8s.io/serviceAccount.tokens': '{"a": "eyJhbGciOi"}' })
        .message,
    ).toBe(
      `${prefix}failed to unmarshal service account tokens, error: json: cannot unmarshal string into Go value of type auth.TokenRequest`,
    );
  });

  it('selects identity binding and fails with its reference messages', () => {
    const prefix = 'failed to build auth config for mode AzureTokenProxy: ';
    const proxy = { usePodIdentity: undefined, useAzureTokenProxy: 'true' };
    expect(failure(proxy).message).toBe(`${prefix}clientID is required for identity binding`);
    expect(failure({ ...proxy, clientID: 'c' }).message).toBe(
      `${prefix}service account tokens are required for identity binding`,
    );
    expect(
      failure({
        ...proxy,
        clientID: 'c',
        'csi.storage.k8s.io/serviceAccount.tokens': tokens('api://AzureADTokenExchange'),
      }).message,
    ).toBe(
      `${prefix}failed to parse service account token for identity binding, error: token for audience api://AKSIdentityBinding not found`,
    );
    const result = plan({
      ...proxy,
      clientID: 'c',
      'csi.storage.k8s.io/serviceAccount.tokens': tokens('api://AKSIdentityBinding', 'binding-token'),
    });
    expect(result.identity.mode).toBe('AzureTokenProxy');
    if (result.identity.mode === 'AzureTokenProxy')
      expect(result.identity.serviceAccountToken).toBe('binding-token');
  });

  it('ignores clientID (and missing tokens) in pod-identity and VM modes', () => {
    expect(plan({ clientID: 'c' }).identity.mode).toBe('PodIdentity');
    expect(plan({ usePodIdentity: 'false', useVMManagedIdentity: '1', clientID: 'c' }).identity.mode).toBe(
      'VMManagedIdentity',
    );
  });

  it('carries service-principal credentials (keys case-insensitive) without exposing the secret', () => {
    const result = plan({ ...noMode }, { secrets: '{"ClientID":"app-1","CLIENTSECRET":"s3cr3t-value"}' });
    expect(result.identity).toMatchObject({
      mode: 'ServicePrincipal',
      clientId: 'app-1',
    });
    if (result.identity.mode !== 'ServicePrincipal') return;
    expect(result.identity.clientSecret).toBe('s3cr3t-value');
    expect(JSON.stringify(result)).not.toContain('s3cr3t');
    expect(inspect(result, { depth: 10 })).not.toContain('s3cr3t');
    expect(
      plan({ ...noMode }, { secrets: '{"clientId":"b","clientid":"a","clientsecret":"s"}' }).identity,
    ).toMatchObject({ clientId: 'a' });
  });

  it('fails a service principal without its secret with the reference messages, in order', () => {
    const prefix = 'failed to build auth config for mode None: ';
    const cases: [string, string, string][] = [
      [
        'null',
        'NODE_PUBLISH_SECRET_MISSING',
        'failed to get credentials, nodePublishSecretRef secret is not set',
      ],
      [
        '{}',
        'NODE_PUBLISH_SECRET_MISSING',
        'failed to get credentials, nodePublishSecretRef secret is not set',
      ],
      // kubelet's service-account tokens (Kubernetes 1.35) are not a nodePublishSecretRef secret
      [
        '{"csi.storage.k8s.io/serviceAccount.tokens":"{}"}',
        'NODE_PUBLISH_SECRET_MISSING',
        'failed to get credentials, nodePublishSecretRef secret is not set',
      ],
      ['{"other":"x"}', 'CLIENT_ID_NOT_IN_SECRETS', 'could not find clientid in secrets'],
      ['{"clientsecret":"s"}', 'CLIENT_ID_NOT_IN_SECRETS', 'could not find clientid in secrets'],
      ['{"clientid":"","clientsecret":""}', 'CLIENT_ID_NOT_IN_SECRETS', 'could not find clientid in secrets'],
      ['{"ClientId":"c"}', 'CLIENT_SECRET_NOT_IN_SECRETS', 'could not find clientsecret in secrets'],
    ];
    for (const [secrets, code, cause] of cases) {
      const error = failure({ ...noMode }, { secrets });
      expect([secrets, error.code, error.message]).toEqual([secrets, code, prefix + cause]);
    }
    const withSecret = failure({ ...noMode }, { secrets: '{"clientsecret":"s3cr3t-value"}' });
    expect(withSecret.message).not.toContain('s3cr3t');
  });

  it('checks the service-principal secret at step 11: after the cloud, before the objects', () => {
    const secretMissing = 'failed to get credentials, nodePublishSecretRef secret is not set';
    expect(failure({ ...noMode, cloudName: 'AzureMoon' }).code).toBe('UNKNOWN_CLOUD');
    for (const objects of [undefined, 'array: [', 'array: []', 'array:\n  - |\n    objectType: pem\n']) {
      const error = failure({ ...noMode, objects });
      expect([objects, error.code, error.message]).toEqual([
        objects,
        'NODE_PUBLISH_SECRET_MISSING',
        `failed to build auth config for mode None: ${secretMissing}`,
      ]);
    }
    expect(failure({ ...noMode, keyvaultName: 'kv_bad' }, { secrets: '{"clientid":"c"}' }).code).toBe(
      'CLIENT_SECRET_NOT_IN_SECRETS',
    );
    expect(
      failure({ ...noMode, objects: 'array: [' }, { secrets: '{"clientid":"c","clientsecret":"s"}' }).code,
    ).toBe('INVALID_OBJECTS_YAML');
  });
});
