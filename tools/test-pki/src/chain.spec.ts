import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { certificatePem } from './certificates.js';
import { makeChain } from './chain.js';
import { openssl } from './openssl.js';

const dir = mkdtempSync(join(tmpdir(), 'test-pki-chain-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** SKI and AKI lines of `openssl x509 -ext`, or undefined where the certificate has none. */
function keyIdentifiers(name: string): { ski?: string; aki?: string } {
  const text = openssl(dir, [
    'x509',
    '-in',
    `${name}.pem`,
    '-noout',
    '-ext',
    'subjectKeyIdentifier,authorityKeyIdentifier',
  ]).toString();
  const after = (heading: string) =>
    new RegExp(`${heading}: *\\n\\s*(?:keyid:)?([0-9A-F:]+)`).exec(text)?.[1] ?? undefined;
  return { ski: after('Subject Key Identifier'), aki: after('Authority Key Identifier') };
}

/** `openssl verify` of the leaf against the root, with the intermediates as untrusted certificates. */
function verify(chain: ReturnType<typeof makeChain>): string {
  const untrusted = chain.intermediates.flatMap((name) => ['-untrusted', `${name}.pem`]);
  return openssl(dir, [
    'verify',
    '-CAfile',
    `${chain.root}.pem`,
    ...untrusted,
    `${chain.leaf}.pem`,
  ]).toString();
}

describe('makeChain', () => {
  it('makes root → intermediate → leaf that openssl verifies, each AKI the issuer’s SKI', () => {
    const chain = makeChain(dir, { prefix: 'a-' });
    expect(chain).toEqual({ root: 'a-root', intermediates: ['a-int'], leaf: 'a-leaf' });
    expect(verify(chain)).toBe('a-leaf.pem: OK\n');
    const [root, int, leaf] = ['a-root', 'a-int', 'a-leaf'].map(keyIdentifiers);
    expect(root?.ski).toMatch(/^[0-9A-F]{2}(:[0-9A-F]{2})+$/);
    expect(root?.aki).toBe(root?.ski);
    expect(int?.aki).toBe(root?.ski);
    expect(leaf?.aki).toBe(int?.ski);
    expect(leaf?.ski).toBeDefined();
    expect(openssl(dir, ['x509', '-in', 'a-leaf.pem', '-noout', '-subject']).toString()).toBe(
      'subject=CN = a-leaf\n',
    );
  });

  it('makes two intermediates and a leaf without SKI', () => {
    const chain = makeChain(dir, { prefix: 'b-', intermediates: 2, keyIdentifiers: 'leaf-without-ski' });
    expect(chain.intermediates).toEqual(['b-int1', 'b-int2']);
    expect(verify(chain)).toBe('b-leaf.pem: OK\n');
    expect(keyIdentifiers('b-leaf')).toEqual({ ski: undefined, aki: keyIdentifiers('b-int2').ski });
    expect(keyIdentifiers('b-int2').aki).toBe(keyIdentifiers('b-int1').ski);
  });

  it('makes a chain without any key identifiers that still verifies by name and signature', () => {
    const chain = makeChain(dir, { prefix: 'c-', keyIdentifiers: 'none' });
    expect(verify(chain)).toBe('c-leaf.pem: OK\n');
    for (const name of ['c-root', 'c-int', 'c-leaf'])
      expect(keyIdentifiers(name)).toEqual({ ski: undefined, aki: undefined });
  });

  it('makes unrelated chains: a leaf does not verify against another chain’s root', () => {
    const other = makeChain(dir, { prefix: 'd-' });
    expect(() =>
      openssl(dir, [
        'verify',
        '-CAfile',
        'a-root.pem',
        '-untrusted',
        `${other.intermediates[0]}.pem`,
        'd-leaf.pem',
      ]),
    ).toThrow(/unable to get (local )?issuer certificate/);
    expect(certificatePem(dir, 'd-root')).not.toBe(certificatePem(dir, 'a-root'));
  });
});
