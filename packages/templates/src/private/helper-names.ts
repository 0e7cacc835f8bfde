/** The helpers a template may call, with how many arguments each takes (extensions.md §8). */
export const TEMPLATE_HELPERS = {
  file: 1,
  json: 2,
  exists: 1,
  base64: 1,
  base64decode: 1,
  trim: 1,
} as const;

export type TemplateHelperName = keyof typeof TEMPLATE_HELPERS;

/** Handlebars' built-in block helpers a template may use; each takes exactly one argument. */
export const BLOCK_HELPERS: ReadonlySet<string> = new Set(['if', 'unless', 'each', 'with']);

/** `@` variables the built-in blocks set (`each`): harmless counters and keys. */
export const DATA_NAMES: ReadonlySet<string> = new Set(['index', 'key', 'first', 'last']);

/** Helpers whose first argument is a path of the mount (checked by `lint` when literal). */
export const PATH_HELPERS: ReadonlySet<string> = new Set(['file', 'json', 'exists']);

export function isTemplateHelper(name: string): name is TemplateHelperName {
  return Object.hasOwn(TEMPLATE_HELPERS, name);
}
