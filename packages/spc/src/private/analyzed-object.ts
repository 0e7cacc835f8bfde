import type { KeyVaultObject } from '../mount-plan.js';
import type { ObjectField, ObjectTextField } from '../object-fields.js';

/** One item of the `objects` array after decoding and validation: what lint and the path checks read. */
export interface AnalyzedObject {
  readonly index: number;
  /** Offset of the item in the objects text. */
  readonly offset: number;
  /** Trimmed field values as written (`""` when absent). */
  readonly fields: Readonly<Record<ObjectTextField, string>>;
  readonly objectVersionHistory: number;
  /** `objectAlias` or else `objectName`; `undefined` when that path is invalid. */
  readonly fileName: string | undefined;
  /** Offsets of the values (or keys) of the fields present. */
  readonly fieldOffsets: Readonly<Partial<Record<ObjectField, number>>>;
  /** The validated object, when this item had no error. */
  readonly object: KeyVaultObject | undefined;
  /**
   * Every file path the object writes that is known before fetching (main file, `jmesPath` files,
   * metadata sidecar); empty for a wildcard. `history` > 1: `path` is a directory of versions.
   */
  readonly claims: readonly PathClaim[];
}

/** A file (or, with history, a directory) an object will write: the input of the path-conflict checks. */
export interface PathClaim {
  readonly path: string;
  readonly history: number;
  /** Where `lint` points for a conflict. */
  readonly offset: number;
}
