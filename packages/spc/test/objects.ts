import type { KeyVaultObject } from '../src/index.js';
import { objects, plan } from './request.js';

/** The first object of a mount whose `objects` array holds `items`. */
export const first = (...items: string[]): KeyVaultObject => plan({ objects: objects(...items) }).objects[0]!;

/** The reference's per-object error text for an object without its own `keyvaultName`. */
export const wrap = (type: string, name: string, version: string, cause: string): string =>
  `failed to get objectType:${type}, objectName:${name}, objectVersion:${version}: ${cause}`;
