import { describe, expect, it } from 'vitest';
import { type Diagnostic, formatDiagnostic, lintSecretProviderClass } from './index.js';

const lint = (text: string): Diagnostic[] => lintSecretProviderClass(text, { fileName: 'spc.yaml' });
const lines = (text: string): string[] => lint(text).map((d) => formatDiagnostic(d, 'spc.yaml'));

const HEADER = `apiVersion: secrets-store.csi.x-k8s.io/v1
kind: SecretProviderClass
metadata:
  name: shop
spec:
  provider: azure
`;

describe('lintSecretProviderClass: positions inside the objects block', () => {
  it('reports every invalid object value at its line and column in the manifest', () => {
    const manifest = `${HEADER}  parameters:
    usePodIdentity: "true"
    keyvaultName: kv-shop
    tenantId: tid
    objects: |
      array:
        - |
          objectName: db-password
          objectType: secret
          objectFormat: pkcs
        - |
          objectName: tls
          objectType: Secret
          filePermission: 0900
          objectAlias: ../tls
`;
    expect(lines(manifest)).toEqual([
      'spc.yaml:16:25 error failed to get objectType:secret, objectName:db-password, objectVersion:: invalid objectFormat: pkcs, should be PEM or PFX',
      'spc.yaml:19:23 error failed to get objectType:Secret, objectName:tls, objectVersion:: Invalid vaultObjectTypes. Should be secret, key, or cert',
      'spc.yaml:20:27 error failed to get objectType:Secret, objectName:tls, objectVersion:: file permission must be a valid octal number: "0900"',
      "spc.yaml:21:24 error failed to get objectType:Secret, objectName:tls, objectVersion:: file name must not contain '..'",
    ]);
  });

  it('locates inner YAML errors, unknown fields with a did-you-mean and duplicates', () => {
    const manifest = `${HEADER}  parameters:
    usePodIdentity: "true"
    keyvaultName: kv-shop
    tenantId: tid
    objects: |
      array:
        - |
          objectName: a
          objectType: secret
          objectAlais: b
        - |
          objectName: c
          objectType: secret
          objectAlias: a
        - |
          objectName: d
          objectVersionHistory: many
`;
    const found = lint(manifest);
    expect(found.map((d) => [d.line, d.column, d.severity, d.code])).toEqual([
      [16, 11, 'warning', 'UNKNOWN_OBJECT_FIELD'],
      [20, 24, 'error', 'DUPLICATE_FILE_PATH'],
      [23, 33, 'error', 'INVALID_OBJECT_YAML'],
    ]);
    expect(found[0]!.message).toBe(
      'unknown field "objectAlais" in object 0 is ignored; did you mean "objectAlias"?',
    );
    expect(found[1]!.message).toBe(
      'failed to get objectType:secret, objectName:c, objectVersion:: duplicate file path "a" (objects 0 and 1)',
    );
    expect(found[2]!.message).toBe(
      'unmarshal failed for keyVaultObjects at index 2, error: yaml: unmarshal errors: line 2: cannot unmarshal !!str `many` into int32',
    );
  });

  it('maps positions through leading blank lines, comments and a keep-chomping header', () => {
    const manifest = `${HEADER}  parameters:
    usePodIdentity: "true"
    keyvaultName: kv-shop
    tenantId: tid
    objects: |+ # the objects

      # comment line
      array:
        - |
          objectName: x
          objectType: key
          objectEncoding: hex
`;
    expect(lines(manifest)).toEqual([
      'spc.yaml:18:27 error failed to get objectType:key, objectName:x, objectVersion:: objectEncoding only supported for objectType: secret',
    ]);
  });
});

describe('lintSecretProviderClass: objects written as a quoted string', () => {
  it('reports problems at the start of the string when positions inside it are not exact', () => {
    const manifest = `${HEADER}  parameters:
    usePodIdentity: "true"
    keyvaultName: kv-shop
    tenantId: tid
    objects: "array:\\n  - |\\n    objectName: a\\n    objectType: nope\\n"
`;
    expect(lint(manifest).map((d) => [d.line, d.column, d.code])).toEqual([[11, 14, 'INVALID_OBJECT_TYPE']]);
  });
});

describe('lintSecretProviderClass: parameters', () => {
  it('reports missing required parameters at the parameters: line', () => {
    const manifest = `${HEADER}  parameters:
    usePodIdentity: "true"
`;
    expect(lines(manifest)).toEqual([
      'spc.yaml:7:3 error keyvaultName is not provided',
      'spc.yaml:7:3 error tenantId is not provided',
      'spc.yaml:7:3 error objects is not set',
    ]);
  });

  it('reports unknown parameters with a did-you-mean, invalid values, and lint-only warnings', () => {
    const manifest = `${HEADER}  parameters:
    usepodidentity: "true"
    useVMManagedIdentity: "tru"
    useAzureTokenProxy: "true"
    keyvaultName: kv_shop
    tenantId: tid
    tenantID: other
    cloudName: AzureMoon
    resourceGroup: rg
    objects: |
      array:
        - |
          objectName: db_password
          objectType: secret
          objectVersionHistory: "2"
`;
    expect(lines(manifest)).toEqual([
      'spc.yaml:8:5 warning unknown parameter "usepodidentity" is ignored; did you mean "usePodIdentity"?',
      'spc.yaml:9:27 error failed to parse useVMManagedIdentity flag, error: strconv.ParseBool: parsing "tru": invalid syntax',
      'spc.yaml:10:25 error failed to build auth config for mode AzureTokenProxy: clientID is required for identity binding',
      'spc.yaml:11:19 error failed to get vault: Invalid vault name: "kv_shop", must match [-a-zA-Z0-9]{3,24}',
      'spc.yaml:12:15 warning tenantID "other" and tenantId "tid" differ: tenantID is used',
      'spc.yaml:14:16 error cloudName AzureMoon is not valid, error: autorest/azure: There is no cloud environment matching the name "AZUREMOON"',
      'spc.yaml:15:5 warning parameter "resourceGroup" is ignored (legacy)',
      'spc.yaml:19:23 warning objectName "db_password" is not a valid Key Vault object name (1-127 characters of 0-9, a-z, A-Z and -)',
      'spc.yaml:21:33 warning objectVersionHistory is quoted ("2"): the reference provider rejects quoted numbers',
    ]);
  });

  it('warns about Azure vault-name rules, clientID with another mode, and kubelet keys', () => {
    const manifest = `${HEADER}  parameters:
    usePodIdentity: "true"
    useVMManagedIdentity: "true"
    clientID: abc
    keyvaultName: 9kv--
    tenantId: tid
    csi.storage.k8s.io/pod.name: spoofed
    objects: 'array: ["objectName: a\\nobjectType: secret"]'
`;
    expect(lines(manifest)).toEqual([
      'spc.yaml:9:27 error only one identity mode can be enabled at a time: usePodIdentity, useVMManagedIdentity, or useAzureTokenProxy',
      'spc.yaml:10:15 warning clientID is ignored with usePodIdentity: it selects workload identity only when no identity mode is set',
      'spc.yaml:11:19 warning keyvaultName "9kv--" is not a valid Azure vault name: it must start with a letter, must end with a letter or digit, must not contain consecutive hyphens',
      'spc.yaml:13:5 warning parameter "csi.storage.k8s.io/pod.name" is supplied by kubelet at mount time; do not set it here',
    ]);
  });

  it('warns about parameters the selected mode or cloud ignores', () => {
    const manifest = `${HEADER}  parameters:
    usePodIdentity: "true"
    userAssignedIdentityID: id-1
    podIdentityClientID: client-1
    cloudEnvFileName: /etc/kubernetes/custom.json
    keyvaultName: kv-shop
    tenantId: tid
    objects: 'array: ["objectName: a\\nobjectType: secret"]'
`;
    expect(lines(manifest)).toEqual([
      'spc.yaml:9:29 warning parameter "userAssignedIdentityID" is ignored without useVMManagedIdentity',
      'spc.yaml:11:23 warning parameter "cloudEnvFileName" is ignored unless cloudName is AzureStackCloud',
    ]);
  });

  it('does not check values only kubelet supplies (pod, tokens)', () => {
    const manifest = `${HEADER}  parameters:
    clientID: abc
    keyvaultName: kv-shop
    tenantId: tid
    objects: 'array: ["objectName: a\\nobjectType: secret"]'
`;
    expect(lint(manifest)).toEqual([]);
  });

  it('does not check the service-principal secret, which kubelet supplies from nodePublishSecretRef', () => {
    const manifest = `${HEADER}  parameters:
    keyvaultName: kv-shop
    tenantId: tid
    objects: 'array: ["objectName: a\\nobjectType: secret"]'
`;
    expect(lint(manifest)).toEqual([]);
    const badObject = manifest.replace('objectType: secret', 'objectType: pem');
    expect(lint(badObject).map((d) => d.code)).toEqual(['INVALID_OBJECT_TYPE']);
  });

  it('reports unquoted non-string parameter values as Kubernetes would read them', () => {
    const manifest = `${HEADER}  parameters:
    usePodIdentity: yes
    keyvaultName: kv-shop
    tenantId: 1234
    objects: 'array: ["objectName: a\\nobjectType: secret"]'
`;
    expect(lines(manifest)).toEqual([
      'spc.yaml:8:21 error parameter "usePodIdentity" must be a string: Kubernetes reads yes as bool; quote it',
      'spc.yaml:8:21 error failed to parse usePodIdentity flag, error: strconv.ParseBool: parsing "yes": invalid syntax',
      'spc.yaml:10:15 error parameter "tenantId" must be a string: Kubernetes reads 1234 as int; quote it',
    ]);
  });

  it('reports an empty objects array and outer YAML errors inside the block', () => {
    const empty = `${HEADER}  parameters:
    usePodIdentity: "true"
    keyvaultName: kv-shop
    tenantId: tid
    objects: |
      array: []
`;
    expect(lines(empty)).toEqual([
      'spc.yaml:12:7 error objects array is empty: at least one object is required',
    ]);
    const mappingItem = empty.replace('array: []', 'array:\n        - objectName: a');
    expect(lint(mappingItem).map((d) => [d.line, d.column, d.code])).toEqual([
      [13, 11, 'INVALID_OBJECTS_YAML'],
    ]);
  });
});

describe('lintSecretProviderClass: secretObjects and manifest structure', () => {
  const withSecretObjects = `${HEADER}  secretObjects:
    - secretName: shop
      type: Opaque
      data:
        - objectName: db-pasword
          key: password
        - objectName: tls/bundle.pem
          key: bundle
        - objectName: cert.crt
          key: crt
        - objectName: history/1
          key: h1
        - key: nothing
  parameters:
    usePodIdentity: "true"
    keyvaultName: kv-shop
    tenantId: tid
    objects: |
      array:
        - |
          objectName: db-password
          objectType: secret
        - |
          objectName: tls
          objectType: secret
          objectAlias: tls/bundle.pem
        - |
          objectName: cert
          objectType: secret
        - |
          objectName: history
          objectType: secret
          objectVersionHistory: 2
`;

  it('reports secretObjects that reference no mounted file, accepting history files', () => {
    expect(lines(withSecretObjects)).toEqual([
      'spc.yaml:11:23 error secretObjects[0].data[0].objectName "db-pasword" does not match any mounted object file; did you mean "db-password"?',
      'spc.yaml:15:23 warning secretObjects[0].data[2].objectName "cert.crt" exists only when the provider runs with --write-cert-and-key-in-separate-files',
      'spc.yaml:19:11 error spec.secretObjects[0].data[4].objectName is required',
    ]);
  });

  it('reports structure problems and files without any SecretProviderClass', () => {
    expect(lines('kind: Pod\n')).toEqual(['spc.yaml:1:1 error spc.yaml contains no SecretProviderClass']);
    const noParameters = `apiVersion: secrets-store.csi.x-k8s.io/v1beta9
kind: SecretProviderClass
metadata: {}
spec:
  provider: vault
`;
    expect(lines(noParameters)).toEqual([
      'spc.yaml:1:13 error apiVersion "secrets-store.csi.x-k8s.io/v1beta9" is not supported: use secrets-store.csi.x-k8s.io/v1 or secrets-store.csi.x-k8s.io/v1alpha1',
      'spc.yaml:3:1 error metadata.name is required',
      'spc.yaml:4:1 error spec.parameters must not be empty (the driver refuses it: parameters not set in default/)',
      'spc.yaml:5:13 warning spec.provider is "vault": this provider serves "azure"',
    ]);
    const broken = lint('kind: SecretProviderClass\nspec: {\n');
    expect(broken[0]).toMatchObject({ severity: 'error', code: 'INVALID_MANIFEST', line: 2, column: 7 });
  });

  it('lints every document of a stream', () => {
    const second = withSecretObjects.replace('name: shop', 'name: other');
    const found = lint(`${withSecretObjects}---\n${second}`);
    expect(found.filter((d) => d.code === 'SECRET_OBJECT_NOT_MOUNTED').map((d) => d.line)).toEqual([
      11,
      11 + 40,
    ]);
  });
});

describe('formatDiagnostic', () => {
  it('prints <file>:<line>:<column> <severity> <message> on one line', () => {
    expect(
      formatDiagnostic(
        { severity: 'error', code: 'OBJECTS_MISSING', message: 'a\n  b', line: 3, column: 7 },
        'dir/spc.yaml',
      ),
    ).toBe('dir/spc.yaml:3:7 error a b');
  });
});
