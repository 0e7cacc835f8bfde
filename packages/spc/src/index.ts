export {
  type BuiltInCloudName,
  CLOUDS,
  CUSTOM_CLOUD_NAME,
  isBuiltInCloudName,
  MAX_CLOUD_FILE_BYTES,
  type ReadTextFile,
  readOperatorCloudFile,
  readSpcCloudFile,
  resolveCloud,
} from './clouds.js';
export {
  type Diagnostic,
  type DiagnosticCode,
  type DiagnosticSeverity,
  formatDiagnostic,
  type LintOnlyCode,
} from './diagnostic.js';
export {
  buildDriverAttributes,
  buildMountAttributes,
  type MountPod,
  marshalGoStringMap,
} from './driver-attributes.js';
export {
  checkFilePath,
  type FilePathProblem,
  MAX_FILE_NAME_ELEMENT_BYTES,
  MAX_FILE_PATH_BYTES,
  validateFilePath,
} from './file-path.js';
export {
  type AuthConfigModeName,
  IDENTITY_BINDING_AUDIENCE,
  SERVICE_ACCOUNT_TOKENS_KEY,
  WORKLOAD_IDENTITY_AUDIENCE,
} from './identity.js';
export {
  DEFAULT_MAX_MOUNT_OBJECTS,
  MAX_ATTRIBUTES_BYTES,
  MAX_OBJECT_BYTES,
  MAX_OBJECT_VERSION_HISTORY,
  MAX_OBJECTS_BYTES,
  MAX_SECRETS_BYTES,
  MAX_TEMPLATE_BYTES,
  MAX_TEMPLATES_BYTES,
} from './input-limits.js';
export {
  KNOWN_PARAMETERS,
  type LintOptions,
  type LintResult,
  lintManifest,
  lintSecretProviderClass,
} from './lint.js';
export {
  formatGithubAnnotation,
  LINT_REPORT_SCHEMA_VERSION,
  type LintReport,
  type LintReportDiagnostic,
  type LintReportFailure,
  toReportDiagnostic,
} from './lint-report.js';
export {
  parseSecretProviderClasses,
  type SecretObject,
  type SecretObjectData,
  type SecretProviderClass,
  type SecretProviderClassApiVersion,
  SPC_API_VERSIONS,
} from './manifest.js';
export type {
  CloudEnvironment,
  IdentityConfig,
  IdentityModeName,
  JmesPathFile,
  KeyVaultObject,
  MountPlan,
  ObjectEncoding,
  ObjectFormat,
  ObjectType,
  PodInfo,
  TemplateFile,
} from './mount-plan.js';
export {
  EXTENSION_NESTED_FIELDS,
  EXTENSION_TEXT_FIELDS,
  OBJECT_FIELDS,
  type ObjectField,
} from './object-fields.js';
export { type ParseObjectsOptions, parseObjects } from './objects.js';
export {
  type ObjectsOutcome,
  type ObjectsOutcomeOptions,
  objectsOfOutcome,
  parseObjectsOutcome,
} from './objects-outcome.js';
export {
  beginMountRequest,
  type MountRequestPayload,
  type ParseMountRequestOptions,
  type PendingMountRequest,
  POD_NAME_KEY,
  POD_NAMESPACE_KEY,
  POD_UID_KEY,
  parseMountRequest,
  SERVICE_ACCOUNT_NAME_KEY,
} from './parse-mount-request.js';
export {
  MAX_POD_NAME_LENGTH,
  MAX_POD_NAMESPACE_LENGTH,
  validatePodName,
  validatePodNamespace,
  validatePodUid,
} from './pod-info.js';
export { METADATA_SUFFIX } from './private/object-extensions.js';
export { wildcardRegExp } from './private/wildcard.js';
export { SPC_ERROR_CODES, SpcError, type SpcErrorCode, type SpcErrorOptions } from './spc-error.js';
export { TEMPLATE_FIELDS, type TemplateField } from './templates.js';
export {
  parseTemplatesOutcome,
  type TemplatesOutcome,
  type TemplatesOutcomeOptions,
  templatesOfOutcome,
} from './templates-outcome.js';
export { azureVaultNameProblems, validateVaultName, vaultUrlFor } from './vault-name.js';
