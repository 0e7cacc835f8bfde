import { isBuiltInCloudName, resolveCloud } from './clouds.js';
import type { Diagnostic, DiagnosticCode, DiagnosticSeverity } from './diagnostic.js';
import { SERVICE_ACCOUNT_TOKENS_KEY } from './identity.js';
import { type LocatedSecretProviderClass, readManifests } from './manifest.js';
import {
  POD_NAME_KEY,
  POD_NAMESPACE_KEY,
  POD_UID_KEY,
  SERVICE_ACCOUNT_NAME_KEY,
} from './parse-mount-request.js';
import { analyzeObjects, type ObjectsAnalysis } from './private/analyze-objects.js';
import { echo } from './private/echo.js';
import { goLeadingSpaceLength, goParseBool, goQuote, goToUpper, goTrimSpace } from './private/go-text.js';
import { suggestName } from './private/suggest.js';
import { wildcardRegExp } from './private/wildcard.js';
import { valueToSourceOffset } from './private/yaml-source.js';
import { SpcError } from './spc-error.js';
import { analyzeTemplates, objectPathClaims } from './templates.js';
import { azureVaultNameProblems, validateVaultName } from './vault-name.js';

export interface LintOptions {
  /** Shown in file-level findings (e.g. no SecretProviderClass at all); default `manifest`. */
  readonly fileName?: string;
  /**
   * What a text without any SecretProviderClass is: an `error` (default, for a file meant to hold
   * one), a `warning`, or nothing (`ignore`, for a folder of mixed Kubernetes manifests).
   */
  readonly noSecretProviderClass?: DiagnosticSeverity | 'ignore';
}

/** {@link lintManifest}'s answer: the findings and what was checked. */
export interface LintResult {
  /** Every finding, sorted by position. */
  readonly diagnostics: Diagnostic[];
  /** SecretProviderClass documents checked. */
  readonly secretProviderClasses: number;
  /** Well-formed documents of other kinds, skipped (a ConfigMap, a Deployment, ...). */
  readonly skippedDocuments: number;
}

/** Every parameter the provider reads (docs/spc-parameters.md §2). */
export const KNOWN_PARAMETERS = [
  'keyvaultName',
  'tenantID',
  'tenantId',
  'usePodIdentity',
  'useVMManagedIdentity',
  'useAzureTokenProxy',
  'userAssignedIdentityID',
  'clientID',
  'cloudName',
  'cloudEnvFileName',
  'objects',
  'podIdentityClientID',
  'templates',
] as const;

const LEGACY_PARAMETERS: ReadonlySet<string> = new Set(['resourceGroup', 'subscriptionId']);
const KUBELET_PARAMETERS: ReadonlySet<string> = new Set([
  POD_NAME_KEY,
  POD_NAMESPACE_KEY,
  POD_UID_KEY,
  SERVICE_ACCOUNT_NAME_KEY,
  SERVICE_ACCOUNT_TOKENS_KEY,
  'csi.storage.k8s.io/ephemeral',
]);
const KNOWN: ReadonlySet<string> = new Set(KNOWN_PARAMETERS);
const FLAGS = ['usePodIdentity', 'useVMManagedIdentity', 'useAzureTokenProxy'] as const;
const MAX_SUGGESTION_CANDIDATES = 1000;

/**
 * Checks SecretProviderClass manifests offline: every rule a mount applies (docs/spc-parameters.md
 * §1–§7) except values only kubelet supplies (pod name, namespace, service-account tokens, the
 * nodePublishSecretRef secret of a service principal), plus lint-only warnings. Reports every
 * finding, sorted by position; never throws.
 */
export function lintSecretProviderClass(yamlText: string, options: LintOptions = {}): Diagnostic[] {
  return lintManifest(yamlText, options).diagnostics;
}

/**
 * {@link lintSecretProviderClass}, also counting the SecretProviderClasses checked and the documents
 * of other kinds skipped (for a summary over many files).
 */
export function lintManifest(yamlText: string, options: LintOptions = {}): LintResult {
  const diagnostics: Diagnostic[] = [];
  const counts = { secretProviderClasses: 0, skippedDocuments: 0 };
  try {
    lintInto(yamlText, options, diagnostics, counts);
  } catch {
    diagnostics.push({
      severity: 'error',
      code: 'INVALID_MANIFEST',
      message: 'manifest too large or too complex to check',
      line: 1,
      column: 1,
    });
  }
  diagnostics.sort((a, b) => a.line - b.line || a.column - b.column);
  return { diagnostics, ...counts };
}

function lintInto(
  yamlText: string,
  options: LintOptions,
  diagnostics: Diagnostic[],
  counts: { secretProviderClasses: number; skippedDocuments: number },
): void {
  if (typeof yamlText !== 'string') throw new TypeError('yamlText must be a string');
  const read = readManifests(yamlText);
  const at = (severity: DiagnosticSeverity, code: DiagnosticCode, message: string, offset: number): void => {
    const { line, col } = read.source.lineCounter.linePos(Math.max(0, Math.min(offset, yamlText.length)));
    diagnostics.push({ severity, code, message: message.replace(/\r?\n\s*/g, ' '), line, column: col });
  };
  for (const issue of read.issues) at(issue.severity, issue.code, issue.message, issue.offset);
  counts.secretProviderClasses = read.classes.length;
  counts.skippedDocuments = read.otherDocuments;
  const missing = options.noSecretProviderClass ?? 'error';
  if (read.classes.length === 0 && read.issues.length === 0 && missing !== 'ignore') {
    at(
      missing,
      'NO_SECRET_PROVIDER_CLASS',
      `${options.fileName ?? 'manifest'} contains no SecretProviderClass`,
      0,
    );
  }
  for (const located of read.classes) lintClass(located, yamlText, at);
}

type At = (severity: DiagnosticSeverity, code: DiagnosticCode, message: string, offset: number) => void;

function lintClass(located: LocatedSecretProviderClass, yamlText: string, at: At): void {
  const { parameters, parametersOffset } = located;
  if (parameters.size === 0) return;
  const get = (key: string): string => goTrimSpace(parameters.get(key)?.value ?? '');
  const valueAt = (key: string): number => parameters.get(key)?.valueOffset ?? parametersOffset;

  for (const [key, parameter] of parameters) {
    if (KNOWN.has(key)) continue;
    if (LEGACY_PARAMETERS.has(key)) {
      at('warning', 'LEGACY_PARAMETER', `parameter ${goQuote(key)} is ignored (legacy)`, parameter.keyOffset);
    } else if (KUBELET_PARAMETERS.has(key)) {
      at(
        'warning',
        'KUBELET_PARAMETER',
        `parameter ${goQuote(key)} is supplied by kubelet at mount time; do not set it here`,
        parameter.keyOffset,
      );
    } else {
      const suggestion = suggestName(key, KNOWN_PARAMETERS);
      at(
        'warning',
        'UNKNOWN_PARAMETER',
        `unknown parameter ${goQuote(echo(key))} is ignored` +
          (suggestion ? `; did you mean ${goQuote(suggestion)}?` : ''),
        parameter.keyOffset,
      );
    }
  }

  // Steps 3–6.
  const enabled: (typeof FLAGS)[number][] = [];
  for (const flag of FLAGS) {
    const value = get(flag);
    if (value === '') continue;
    const parsed = goParseBool(value);
    if (parsed === undefined) {
      at(
        'error',
        'INVALID_BOOLEAN',
        `failed to parse ${flag} flag, error: strconv.ParseBool: parsing ${goQuote(echo(value))}: invalid syntax`,
        valueAt(flag),
      );
    } else if (parsed) {
      enabled.push(flag);
    }
  }
  if (enabled.length > 1) {
    at(
      'error',
      'IDENTITY_MODE_CONFLICT',
      'only one identity mode can be enabled at a time: usePodIdentity, useVMManagedIdentity, or useAzureTokenProxy',
      valueAt(enabled[1]!),
    );
  }

  // Steps 7, 8 and 16.
  const keyvaultName = get('keyvaultName');
  if (keyvaultName === '') {
    at('error', 'VAULT_NAME_MISSING', 'keyvaultName is not provided', parametersOffset);
  } else {
    try {
      validateVaultName(keyvaultName);
      const problems = azureVaultNameProblems(keyvaultName);
      if (problems.length > 0) {
        at(
          'warning',
          'VAULT_NAME_AZURE_RULES',
          `keyvaultName ${goQuote(echo(keyvaultName))} is not a valid Azure vault name: it ${problems.join(', ')}`,
          valueAt('keyvaultName'),
        );
      }
    } catch (error) {
      if (error instanceof SpcError) at('error', error.code, error.message, valueAt('keyvaultName'));
    }
  }
  const tenantID = get('tenantID');
  const tenantId = get('tenantId');
  if (tenantID === '' && tenantId === '') {
    at('error', 'TENANT_ID_MISSING', 'tenantId is not provided', parametersOffset);
  } else if (tenantID !== '' && tenantId !== '' && tenantID !== tenantId) {
    at(
      'warning',
      'TENANT_ID_CONFLICT',
      `tenantID ${goQuote(echo(tenantID))} and tenantId ${goQuote(echo(tenantId))} differ: tenantID is used`,
      valueAt('tenantId'),
    );
  }

  // Steps 9–10: built-in names only; a custom cloud file lives in the provider pod.
  const cloudName = get('cloudName');
  if (cloudName !== '' && goToUpper(cloudName) !== 'AZURESTACKCLOUD' && !isBuiltInCloudName(cloudName)) {
    try {
      resolveCloud(cloudName);
    } catch (error) {
      if (error instanceof SpcError) at('error', error.code, error.message, valueAt('cloudName'));
    }
  }

  // Step 11, without the service-account tokens kubelet adds.
  const clientID = get('clientID');
  if (enabled.length === 1 && enabled[0] === 'useAzureTokenProxy' && clientID === '') {
    at(
      'error',
      'CLIENT_ID_MISSING',
      'failed to build auth config for mode AzureTokenProxy: clientID is required for identity binding',
      valueAt('useAzureTokenProxy'),
    );
  }
  if (clientID !== '' && (enabled.includes('usePodIdentity') || enabled.includes('useVMManagedIdentity'))) {
    at(
      'warning',
      'CLIENT_ID_IGNORED',
      `clientID is ignored with ${enabled[0]}: it selects workload identity only when no identity mode is set`,
      valueAt('clientID'),
    );
  }

  const ignoredUnless = (parameter: string, condition: boolean, reason: string): void => {
    if (get(parameter) !== '' && !condition) {
      at(
        'warning',
        'PARAMETER_IGNORED',
        `parameter ${goQuote(parameter)} is ignored ${reason}`,
        valueAt(parameter),
      );
    }
  };
  ignoredUnless(
    'userAssignedIdentityID',
    enabled.includes('useVMManagedIdentity'),
    'without useVMManagedIdentity',
  );
  ignoredUnless('podIdentityClientID', enabled.includes('usePodIdentity'), 'without usePodIdentity');
  ignoredUnless(
    'cloudEnvFileName',
    goToUpper(cloudName) === 'AZURESTACKCLOUD',
    'unless cloudName is AzureStackCloud',
  );

  // Steps 12–15.
  const objectsParameter = parameters.get('objects');
  const rawObjects = objectsParameter?.value ?? '';
  const objectsText = goTrimSpace(rawObjects);
  let analysis: ObjectsAnalysis | undefined;
  if (objectsText === '') {
    at(
      'error',
      'OBJECTS_MISSING',
      'objects is not set',
      objectsParameter ? objectsParameter.valueOffset : parametersOffset,
    );
  } else {
    analysis = analyzeObjects(objectsText, 0o644);
    const lead = goLeadingSpaceLength(rawObjects);
    const toManifest = objectsParameter?.node
      ? valueToSourceOffset(objectsParameter.node, yamlText)
      : () => objectsParameter?.valueOffset ?? parametersOffset;
    for (const issue of analysis.issues)
      at(issue.severity, issue.code, issue.message, toManifest(lead + issue.offset));
  }

  if (analysis) lintSecretObjects(located, analysis, at);
  lintTemplates(located, analysis, yamlText, at);
}

// extensions.md §8: every template compiled, every literal file/json/exists path checked against
// the files the class mounts, each finding at its line:col inside the `templates` block.
function lintTemplates(
  located: LocatedSecretProviderClass,
  objects: ObjectsAnalysis | undefined,
  yamlText: string,
  at: At,
): void {
  const parameter = located.parameters.get('templates');
  const raw = parameter?.value ?? '';
  const text = goTrimSpace(raw);
  if (!parameter || text === '') return;
  const lead = goLeadingSpaceLength(raw);
  const toManifest = parameter.node
    ? valueToSourceOffset(parameter.node, yamlText)
    : () => parameter.valueOffset;
  const place = (offset: number): number => toManifest(lead + offset);
  const items = objects?.items ?? [];
  const analysis = analyzeTemplates(text, 0o644, objectPathClaims(items));
  for (const issue of analysis.issues) at(issue.severity, issue.code, issue.message, place(issue.offset));

  const files = new Set<string>();
  const splitFiles = new Set<string>();
  const wildcards: RegExp[] = [];
  for (const item of items) {
    if (item.object?.wildcard) {
      wildcards.push(wildcardRegExp(item.fields.objectName));
      continue;
    }
    if (item.fileName === undefined) continue;
    // Main file (each version in history mode), jmesPath files and metadata sidecar (§3, §5).
    for (const claim of item.claims) {
      if (claim.history > 1) {
        for (let version = 0; version < claim.history; version++) files.add(`${claim.path}/${version}`);
      } else {
        files.add(claim.path);
      }
    }
    if (item.fields.objectType === 'secret') {
      splitFiles.add(`${item.fileName}.crt`);
      splitFiles.add(`${item.fileName}.key`);
    }
  }
  // A wildcard's files are the names of the secrets that match it, known only when mounting.
  const maybeWildcardFile = (path: string): boolean =>
    wildcards.some((pattern) => pattern.test(path.replace(/\.metadata\.json$/, '')));
  for (const template of analysis.items) {
    if (!template.compiled) continue;
    const name = template.fileName ?? `at index ${template.index}`;
    for (const literal of template.compiled.literalPaths) {
      // Read only under `{{#if (exists "<path>")}}`: the exists test carries the finding.
      if (files.has(literal.path) || literal.guarded || maybeWildcardFile(literal.path)) continue;
      const offset = place(template.templateToOuter(literal.position.offset));
      const shown = goQuote(echo(literal.path));
      if (splitFiles.has(literal.path)) {
        at(
          'warning',
          'TEMPLATE_SPLIT_FILE',
          `template ${echo(name)}: ${literal.helper} ${shown} exists only when the provider runs with --write-cert-and-key-in-separate-files`,
          offset,
        );
        continue;
      }
      const suggestion = suggestName(literal.path, [...files].slice(0, MAX_SUGGESTION_CANDIDATES));
      const hint = suggestion ? `; did you mean ${goQuote(echo(suggestion))}?` : '';
      if (literal.helper === 'exists') {
        at(
          'warning',
          'TEMPLATE_PATH_NOT_MOUNTED',
          `template ${echo(name)}: exists ${shown} is always false: no object of this class mounts that file${hint}`,
          offset,
        );
      } else {
        at(
          'error',
          'TEMPLATE_PATH_NOT_MOUNTED',
          `template ${echo(name)}: ${literal.helper} ${shown} does not match any mounted object file${hint}`,
          offset,
        );
      }
    }
  }
}

function lintSecretObjects(located: LocatedSecretProviderClass, analysis: ObjectsAnalysis, at: At): void {
  if (located.secretObjectRefs.length === 0) return;
  const files = new Set<string>();
  const secretFiles = new Set<string>();
  const histories: { path: string; count: number }[] = [];
  const wildcards: RegExp[] = [];
  for (const item of analysis.items) {
    if (item.object?.wildcard) {
      wildcards.push(wildcardRegExp(item.fields.objectName));
      continue;
    }
    const path = item.fields.objectAlias !== '' ? item.fields.objectAlias : item.fields.objectName;
    if (path === '') continue;
    if (item.objectVersionHistory > 1) histories.push({ path, count: item.objectVersionHistory });
    else files.add(path);
    if (item.fields.objectType === 'secret') secretFiles.add(path);
    // jmesPath files and metadata sidecars (extensions.md §3, §5).
    for (const claim of item.claims) if (claim.history <= 1) files.add(claim.path);
  }
  for (const ref of located.secretObjectRefs) {
    const data = located.spc.spec.secretObjects[ref.secret]?.data[ref.item];
    if (!data) continue;
    const name = data.objectName;
    if (files.has(name)) continue;
    if (wildcards.some((pattern) => pattern.test(name.replace(/\.metadata\.json$/, '')))) continue;
    if (histories.some((h) => isHistoryFile(name, h.path, h.count))) continue;
    const split = /^(.*)\.(crt|key)$/.exec(name);
    if (split && secretFiles.has(split[1]!)) {
      at(
        'warning',
        'SECRET_OBJECT_SPLIT_FILE',
        `secretObjects[${ref.secret}].data[${ref.item}].objectName ${goQuote(echo(name))} exists only when the provider runs with --write-cert-and-key-in-separate-files`,
        ref.offset,
      );
      continue;
    }
    const candidates = [...files].slice(0, MAX_SUGGESTION_CANDIDATES);
    const suggestion = suggestName(name, candidates);
    at(
      'error',
      'SECRET_OBJECT_NOT_MOUNTED',
      `secretObjects[${ref.secret}].data[${ref.item}].objectName ${goQuote(echo(name))} does not match any mounted object file` +
        (suggestion ? `; did you mean ${goQuote(echo(suggestion))}?` : ''),
      ref.offset,
    );
  }
}

function isHistoryFile(name: string, directory: string, count: number): boolean {
  if (!name.startsWith(`${directory}/`)) return false;
  const rest = name.slice(directory.length + 1);
  return /^(0|[1-9][0-9]*)$/.test(rest) && Number(rest) < count;
}
