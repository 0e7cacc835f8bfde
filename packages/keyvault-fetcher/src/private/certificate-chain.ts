import { X509Certificate as NodeX509Certificate } from 'node:crypto';
import { ConversionError } from './conversion-error.js';
import { type KeyIdentifiers, readKeyIdentifiers } from './key-identifiers.js';

interface ChainNode {
  readonly der: Uint8Array;
  readonly node: NodeX509Certificate;
  /** Hex; undefined when the extension (or its keyIdentifier) is absent. */
  readonly subjectKeyId: string | undefined;
  readonly authorityKeyId: string | undefined;
  parent: ChainNode | undefined;
  isParent: boolean;
}

export interface OrderedChain {
  readonly certificates: Uint8Array[];
  /** False when the walk from the leaf did not reach every certificate: input order was kept. */
  readonly complete: boolean;
}

function parse(der: Uint8Array): ChainNode {
  if (der.length === 0) throw new ConversionError('certificate is nil');
  let node: NodeX509Certificate;
  let ids: KeyIdentifiers;
  try {
    node = new NodeX509Certificate(der);
    ids = readKeyIdentifiers(der);
  } catch (error) {
    throw new ConversionError(`failed to parse certificate: ${(error as Error).message}`);
  }
  return { der, node, ...ids, parent: undefined, isParent: false };
}

/**
 * Whether `parent` signed `child`: by key identifiers when both are present (the reference rule);
 * otherwise (ours) issuer DN = subject DN and a verifying signature, so a leaf without SKI/AKI
 * still finds its issuer.
 */
function isIssuer(child: ChainNode, parent: ChainNode): boolean {
  if (child.authorityKeyId !== undefined && parent.subjectKeyId !== undefined) {
    return child.authorityKeyId === parent.subjectKeyId;
  }
  if (child.node.issuer !== parent.node.subject) return false;
  try {
    return child.node.verify(parent.node.publicKey);
  } catch {
    return false;
  }
}

/**
 * Orders certificates leaf → intermediates → root (docs/object-outputs.md §3.1). When the chain cannot be
 * completed (missing intermediate or root, unrelated extras) the input order is kept, as the
 * reference does.
 */
export function orderCertificateChain(ders: readonly Uint8Array[]): OrderedChain {
  const nodes = ders.map(parse);
  for (const [i, child] of nodes.entries()) {
    for (const [j, candidate] of nodes.entries()) {
      if (i === j) continue;
      if (isIssuer(child, candidate)) {
        candidate.isParent = true;
        child.parent = candidate;
        break;
      }
    }
  }
  let current = nodes.find((n) => !n.isParent);
  if (current === undefined) {
    if (nodes.length === 0) return { certificates: [], complete: true };
    throw new ConversionError('no leaf found');
  }
  const ordered: Uint8Array[] = [];
  while (current !== undefined) {
    if (ordered.length >= nodes.length) throw new ConversionError('constructing chain resulted in cycle');
    ordered.push(current.der);
    current = current.parent;
  }
  if (ordered.length !== nodes.length) return { certificates: [...ders], complete: false };
  return { certificates: ordered, complete: true };
}
