import { isMap, isScalar, isSeq, type Scalar } from 'yaml';
import type { DiagnosticCode, DiagnosticSeverity } from './diagnostic.js';
import { echo } from './private/echo.js';
import { goQuote } from './private/go-text.js';
import {
  entriesOf,
  entryFor,
  type ManifestIssue,
  mapEntries,
  offsetOf,
  requiredText,
  stringRecord,
  text,
} from './private/manifest-entries.js';
import {
  goShortTag,
  isNullScalar,
  parseYaml,
  type YamlDocument,
  type YamlSource,
} from './private/yaml-source.js';
import { SpcError } from './spc-error.js';

export const SPC_API_GROUP = 'secrets-store.csi.x-k8s.io';
export const SPC_API_VERSIONS = [`${SPC_API_GROUP}/v1`, `${SPC_API_GROUP}/v1alpha1`] as const;
export type SecretProviderClassApiVersion = (typeof SPC_API_VERSIONS)[number];

/** Manifests deeper than this are refused before composing (real ones are < 10 levels deep). */
const MAX_MANIFEST_DEPTH = 64;
const PROVIDER_NAME = /^[a-zA-Z0-9_-]{0,30}$/;

export interface SecretObjectData {
  /** A mounted file path (`objectAlias` or `objectName`). */
  readonly objectName: string;
  /** Key in the Kubernetes Secret. */
  readonly key: string;
}

export interface SecretObject {
  readonly secretName: string;
  /** Kubernetes Secret type, e.g. `Opaque`, `kubernetes.io/tls`. */
  readonly type: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly data: readonly SecretObjectData[];
}

export interface SecretProviderClass {
  readonly apiVersion: SecretProviderClassApiVersion;
  readonly kind: 'SecretProviderClass';
  readonly metadata: { readonly name: string; readonly namespace: string };
  readonly spec: {
    readonly provider: string;
    /** The `parameters` map (null-prototype object: any key is data). */
    readonly parameters: Readonly<Record<string, string>>;
    readonly secretObjects: readonly SecretObject[];
  };
  /** 0-based position of the YAML document in the stream. */
  readonly documentIndex: number;
}

/**
 * Parses every `SecretProviderClass` (v1 and v1alpha1) in a multi-document YAML stream; other
 * kinds are skipped. Throws `SpcError` (`INVALID_MANIFEST`) on the first error, with its line and
 * column; `lintSecretProviderClass` reports every finding instead.
 */
export function parseSecretProviderClasses(yamlText: string): SecretProviderClass[] {
  let read: ManifestRead;
  try {
    read = readManifests(yamlText);
  } catch {
    throw new SpcError('INVALID_MANIFEST', 'manifest too large or too complex');
  }
  const error = read.issues.find((issue) => issue.severity === 'error');
  if (error) {
    const { line, col } = read.source.lineCounter.linePos(error.offset);
    throw new SpcError('INVALID_MANIFEST', `line ${line}, column ${col}: ${error.message}`);
  }
  return read.classes.map((located) => located.spc);
}

export type { ManifestIssue } from './private/manifest-entries.js';

export interface LocatedParameter {
  readonly value: string;
  readonly keyOffset: number;
  readonly valueOffset: number;
  /** The value node when it is a scalar (for offsets inside `objects`). */
  readonly node: Scalar | undefined;
}

export interface LocatedSecretProviderClass {
  readonly spc: SecretProviderClass;
  readonly documentOffset: number;
  /** Offset of the `parameters:` key (else `spec:`, else the document). */
  readonly parametersOffset: number;
  readonly parameters: ReadonlyMap<string, LocatedParameter>;
  readonly secretObjectRefs: readonly {
    readonly secret: number;
    readonly item: number;
    readonly offset: number;
  }[];
}

export interface ManifestRead {
  readonly source: YamlSource;
  readonly classes: readonly LocatedSecretProviderClass[];
  readonly issues: readonly ManifestIssue[];
  /** Well-formed, non-empty documents that are not SecretProviderClasses. */
  readonly otherDocuments: number;
}

/** Reads every document, collecting structural problems instead of stopping at the first. */
export function readManifests(text: string): ManifestRead {
  const source = parseYaml(text, { maxDepth: MAX_MANIFEST_DEPTH });
  const issues: ManifestIssue[] = [];
  const classes: LocatedSecretProviderClass[] = [];
  let otherDocuments = 0;
  for (const problem of source.problems) {
    issues.push({
      severity: 'error',
      code: 'INVALID_MANIFEST',
      message: `yaml: ${echo(problem.message)}`,
      offset: problem.offset,
    });
  }
  source.documents.forEach((document, documentIndex) => {
    if (document.document.errors.length > 0) return;
    const documentIssues: ManifestIssue[] = [];
    const located = readDocument(document, documentIndex, documentIssues);
    const aliasProblem = document.aliasProblem();
    if (aliasProblem) {
      // Findings after a refused alias would be noise: report only the alias.
      issues.push({
        severity: 'error',
        code: 'INVALID_MANIFEST',
        message: `yaml: ${aliasProblem.message}`,
        offset: aliasProblem.offset,
      });
      return;
    }
    issues.push(...documentIssues);
    if (located) classes.push(located);
    else if (documentIssues.length === 0 && !isEmptyDocument(document)) otherDocuments += 1;
  });
  return { source, classes, issues, otherDocuments };
}

function isEmptyDocument(document: YamlDocument): boolean {
  const contents = document.document.contents;
  return contents === null || isNullScalar(document.resolve(contents) ?? null);
}

function readDocument(
  document: YamlDocument,
  documentIndex: number,
  issues: ManifestIssue[],
): LocatedSecretProviderClass | undefined {
  const contents = document.document.contents;
  const documentOffset = document.document.range[0];
  const root = contents === null ? null : (document.resolve(contents) ?? null);
  if (root === null || isNullScalar(root)) return undefined;
  const issue = (
    severity: DiagnosticSeverity,
    code: DiagnosticCode,
    message: string,
    offset: number,
  ): void => {
    issues.push({ severity, code, message, offset });
  };
  if (!isMap(root)) {
    issue(
      'error',
      'INVALID_MANIFEST',
      `document ${documentIndex} is not a mapping`,
      root.range?.[0] ?? documentOffset,
    );
    return undefined;
  }
  const top = entriesOf(document, root);
  if (text(top.get('kind')) !== 'SecretProviderClass') return undefined;

  const apiVersionEntry = top.get('apiVersion');
  const apiVersion = text(apiVersionEntry);
  if (!(SPC_API_VERSIONS as readonly string[]).includes(apiVersion)) {
    issue(
      'error',
      'UNSUPPORTED_API_VERSION',
      `apiVersion ${goQuote(echo(apiVersion))} is not supported: use ${SPC_API_VERSIONS.join(' or ')}`,
      apiVersionEntry?.valueOffset ?? documentOffset,
    );
  }

  const metadataEntry = top.get('metadata');
  const metadata = mapEntries(document, metadataEntry, 'metadata', issues);
  const name = text(metadata?.get('name'));
  if (name === '') {
    issue('error', 'MISSING_FIELD', 'metadata.name is required', metadataEntry?.keyOffset ?? documentOffset);
  }
  const namespace = text(metadata?.get('namespace'));

  const specEntry = top.get('spec');
  const spec = mapEntries(document, specEntry, 'spec', issues);
  if (!specEntry) issue('error', 'MISSING_FIELD', 'spec is required', documentOffset);
  const providerEntry = spec?.get('provider');
  const provider = text(providerEntry);
  if (spec && provider === '') {
    issue('error', 'MISSING_FIELD', 'spec.provider is required', specEntry?.keyOffset ?? documentOffset);
  } else if (spec && !PROVIDER_NAME.test(provider)) {
    issue(
      'error',
      'INVALID_MANIFEST',
      `spec.provider ${goQuote(echo(provider))} must match ^[a-zA-Z0-9_-]{0,30}$`,
      providerEntry?.valueOffset ?? documentOffset,
    );
  } else if (spec && provider !== 'azure') {
    issue(
      'warning',
      'PROVIDER_MISMATCH',
      `spec.provider is ${goQuote(echo(provider))}: this provider serves "azure"`,
      providerEntry?.valueOffset ?? documentOffset,
    );
  }

  const parametersEntry = spec?.get('parameters');
  const parametersOffset = parametersEntry?.keyOffset ?? specEntry?.keyOffset ?? documentOffset;
  const parameterEntries = mapEntries(document, parametersEntry, 'spec.parameters', issues);
  const parameters = new Map<string, LocatedParameter>();
  const parameterRecord: Record<string, string> = Object.create(null);
  for (const [key, entry] of parameterEntries ?? []) {
    const value = entry.value;
    let textValue = '';
    if (value !== null && !isNullScalar(value)) {
      if (!isScalar(value)) {
        issue(
          'error',
          'PARAMETER_NOT_STRING',
          `parameter ${goQuote(echo(key))} must be a string, not a ${isMap(value) ? 'mapping' : 'sequence'}`,
          entry.valueOffset,
        );
        continue;
      }
      textValue = String(value.value);
      const tag = goShortTag(value, true);
      if (tag !== '!!str') {
        issue(
          'error',
          'PARAMETER_NOT_STRING',
          `parameter ${goQuote(echo(key))} must be a string: Kubernetes reads ${echo(textValue)} as ${tag.slice(2)}; quote it`,
          entry.valueOffset,
        );
      }
    }
    parameters.set(key, {
      value: textValue,
      keyOffset: entry.keyOffset,
      valueOffset: entry.valueOffset,
      node: value !== null && isScalar(value) ? value : undefined,
    });
    parameterRecord[key] = textValue;
  }
  if (spec && parameters.size === 0) {
    issue(
      'error',
      'PARAMETERS_MISSING',
      `spec.parameters must not be empty (the driver refuses it: parameters not set in ${namespace || 'default'}/${echo(name)})`,
      parametersOffset,
    );
  }

  const secretObjects: SecretObject[] = [];
  const secretObjectRefs: { secret: number; item: number; offset: number }[] = [];
  const secretObjectsEntry = spec?.get('secretObjects');
  const secretObjectsNode = secretObjectsEntry?.value ?? null;
  if (secretObjectsNode !== null && !isNullScalar(secretObjectsNode)) {
    if (!isSeq(secretObjectsNode)) {
      issue(
        'error',
        'INVALID_MANIFEST',
        'spec.secretObjects must be a list',
        secretObjectsEntry!.valueOffset,
      );
    } else {
      secretObjectsNode.items.forEach((itemNode, i) => {
        const where = `spec.secretObjects[${i}]`;
        const item = mapEntries(document, entryFor(document, itemNode), where, issues);
        if (!item) return;
        const itemOffset = offsetOf(itemNode, secretObjectsEntry!.valueOffset);
        const secretName = requiredText(item, 'secretName', where, itemOffset, issues);
        const type = requiredText(item, 'type', where, itemOffset, issues);
        const data: SecretObjectData[] = [];
        const dataEntry = item.get('data');
        const dataNode = dataEntry?.value ?? null;
        if (dataNode !== null && !isNullScalar(dataNode)) {
          if (!isSeq(dataNode)) {
            issue('error', 'INVALID_MANIFEST', `${where}.data must be a list`, dataEntry!.valueOffset);
          } else {
            dataNode.items.forEach((dataItemNode, j) => {
              const dataWhere = `${where}.data[${j}]`;
              const dataItem = mapEntries(document, entryFor(document, dataItemNode), dataWhere, issues);
              if (!dataItem) return;
              const dataOffset = offsetOf(dataItemNode, dataEntry!.valueOffset);
              const objectName = requiredText(dataItem, 'objectName', dataWhere, dataOffset, issues);
              const key = requiredText(dataItem, 'key', dataWhere, dataOffset, issues);
              data.push(Object.freeze({ objectName, key }));
              if (objectName !== '') {
                secretObjectRefs.push({
                  secret: i,
                  item: j,
                  offset: dataItem.get('objectName')?.valueOffset ?? dataOffset,
                });
              }
            });
          }
        }
        secretObjects.push(
          Object.freeze({
            secretName,
            type,
            labels: stringRecord(document, item.get('labels'), `${where}.labels`, issues),
            annotations: stringRecord(document, item.get('annotations'), `${where}.annotations`, issues),
            data: Object.freeze(data),
          }),
        );
      });
    }
  }

  const spc: SecretProviderClass = Object.freeze({
    apiVersion: apiVersion as SecretProviderClassApiVersion,
    kind: 'SecretProviderClass',
    metadata: Object.freeze({ name, namespace }),
    spec: Object.freeze({
      provider,
      parameters: Object.freeze(parameterRecord),
      secretObjects: Object.freeze(secretObjects),
    }),
    documentIndex,
  });
  return { spc, documentOffset, parametersOffset, parameters, secretObjectRefs };
}
