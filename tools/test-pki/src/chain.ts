import { CERTIFICATE_EXTENSIONS, type CertificateSpec, makeCertificates } from './certificates.js';

/**
 * Which key identifiers the chain carries: `all` (SKI and AKI everywhere), `leaf-without-ski` (the
 * leaf has only an AKI) or `none` (no SKI or AKI at all: only names and signatures link the chain).
 */
export type ChainKeyIdentifiers = 'all' | 'leaf-without-ski' | 'none';

export interface ChainOptions {
  /** Prepended to every file stem (`<prefix>root`, …), so several chains can share a directory. */
  readonly prefix?: string;
  /** How many intermediates; default 1. One is named `int`, more are `int1` (under the root), `int2`, … */
  readonly intermediates?: number;
  readonly keyIdentifiers?: ChainKeyIdentifiers;
  /** Default 3650. */
  readonly days?: number;
}

/** File stems of a chain's certificates (see makeCertificates for the files). */
export interface Chain {
  readonly root: string;
  /** From the one under the root down to the one that issued the leaf. */
  readonly intermediates: readonly string[];
  readonly leaf: string;
}

const EXTENSIONS = {
  all: { ca: CERTIFICATE_EXTENSIONS.ca, leaf: CERTIFICATE_EXTENSIONS.leaf },
  'leaf-without-ski': { ca: CERTIFICATE_EXTENSIONS.ca, leaf: CERTIFICATE_EXTENSIONS.leafWithoutSki },
  none: { ca: CERTIFICATE_EXTENSIONS.caWithoutKeyIds, leaf: CERTIFICATE_EXTENSIONS.leafWithoutKeyIds },
} as const;

/** A root → intermediate(s) → leaf chain of EC P-256 certificates in `dir`, each CN its file stem. */
export function makeChain(dir: string, options: ChainOptions = {}): Chain {
  const prefix = options.prefix ?? '';
  const count = options.intermediates ?? 1;
  const { ca, leaf: leafExtensions } = EXTENSIONS[options.keyIdentifiers ?? 'all'];
  const root = `${prefix}root`;
  const intermediates = Array.from({ length: count }, (_, i) => `${prefix}int${count === 1 ? '' : i + 1}`);
  const leaf = `${prefix}leaf`;
  const days = options.days;
  const specs: CertificateSpec[] = [{ name: root, extensions: ca, days }];
  let issuer = root;
  for (const name of intermediates) {
    specs.push({ name, issuer, extensions: ca, days });
    issuer = name;
  }
  specs.push({ name: leaf, issuer, extensions: leafExtensions, days });
  makeCertificates(dir, specs);
  return { root, intermediates, leaf };
}
