/**
 * The object shapes this package reads: the validated mount-plan types of `@keyvault-csi/spc`
 * (`parseMountRequest(...).objects`), re-exported so callers need not depend on spc for types.
 */
export type { KeyVaultObject, ObjectEncoding, ObjectFormat, ObjectType } from '@keyvault-csi/spc';
