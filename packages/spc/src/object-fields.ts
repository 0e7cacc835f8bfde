/** The per-object fields (docs/spc-parameters.md §4); every other key is ignored. */
export const OBJECT_FIELDS = [
  'objectName',
  'objectType',
  'objectAlias',
  'objectVersion',
  'objectVersionHistory',
  'objectFormat',
  'objectEncoding',
  'filePermission',
] as const;

/** Our per-object keys read as text (extensions.md §1, §2, §5). */
export const EXTENSION_TEXT_FIELDS = ['optional', 'keyvaultName', 'metadata'] as const;
/** Our nested per-object keys (extensions.md §3, §6). */
export const EXTENSION_NESTED_FIELDS = ['jmesPath', 'tags'] as const;

export type ObjectField =
  | (typeof OBJECT_FIELDS)[number]
  | (typeof EXTENSION_TEXT_FIELDS)[number]
  | (typeof EXTENSION_NESTED_FIELDS)[number];

export type ObjectTextField = Exclude<ObjectField, 'objectVersionHistory' | 'jmesPath' | 'tags'>;
