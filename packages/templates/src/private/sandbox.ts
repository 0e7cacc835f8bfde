import { createRequire } from 'node:module';
import type Handlebars from 'handlebars';
import { TEMPLATE_HELPERS } from './helper-names.js';

let created: typeof Handlebars | undefined;

/**
 * One isolated Handlebars environment for the process, created on the first template (Handlebars
 * adds ~2 MiB to the heap: a daemon whose classes have no templates never loads it) and never
 * registered into afterwards: helpers arrive per render (runtime options), and `log` (writes to the
 * daemon's console) and `lookup` (dynamic property access) are removed.
 */
export function sandbox(): typeof Handlebars {
  if (created === undefined) {
    const handlebars = createRequire(import.meta.url)('handlebars') as typeof Handlebars;
    const environment = handlebars.create();
    environment.unregisterHelper('log');
    environment.unregisterHelper('lookup');
    created = environment;
  }
  return created;
}

/** §8: strict lookups, values verbatim, no helper but ours and the four built-in blocks. */
export const COMPILE_OPTIONS: CompileOptions = {
  strict: true,
  noEscape: true,
  knownHelpersOnly: true,
  knownHelpers: {
    ...Object.fromEntries(Object.keys(TEMPLATE_HELPERS).map((name) => [name, true])),
    if: true,
    unless: true,
    each: true,
    with: true,
    log: false,
    lookup: false,
    helperMissing: false,
    blockHelperMissing: false,
  },
  data: true,
  compat: false,
  assumeObjects: false,
  preventIndent: true,
};

/** Prototype access stays off (the package default, stated so an upgrade cannot change it). */
export const RUNTIME_OPTIONS = {
  allowProtoPropertiesByDefault: false,
  allowProtoMethodsByDefault: false,
  allowCallsToHelperMissing: false,
  allowedProtoProperties: {},
  allowedProtoMethods: {},
} as const;

/** The render context: nothing. A template reads files only through the helpers. */
export const EMPTY_CONTEXT: object = Object.freeze(Object.create(null));
