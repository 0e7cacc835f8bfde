import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtureBytes, fixturesDir } from '../../test/fixtures.js';
import { readKeyIdentifiers } from './key-identifiers.js';

/** SKI and AKI as `openssl x509 -ext` prints them (one openssl run per certificate). */
function opensslKeyIdentifiers(cert: string): {
  subjectKeyId: string | undefined;
  authorityKeyId: string | undefined;
} {
  const out = execFileSync(
    'openssl',
    [
      'x509',
      '-in',
      join(fixturesDir(), `${cert}.pem`),
      '-noout',
      '-ext',
      'subjectKeyIdentifier,authorityKeyIdentifier',
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const hexAfter = (heading: string) =>
    new RegExp(`${heading}: *\\n\\s*(?:keyid:)?((?:[0-9A-F]{2}:)+[0-9A-F]{2})`)
      .exec(out)?.[1]
      ?.replace(/:/g, '')
      .toLowerCase();
  return {
    subjectKeyId: hexAfter('X509v3 Subject Key Identifier'),
    authorityKeyId: hexAfter('X509v3 Authority Key Identifier'),
  };
}

describe('readKeyIdentifiers', () => {
  it.each(['a-root', 'a-leaf', 'b-leaf', 'c-leaf'])('matches openssl for %s', (cert) => {
    expect(readKeyIdentifiers(fixtureBytes(`${cert}.der`))).toEqual(opensslKeyIdentifiers(cert));
  });

  it('sees the leaf without SKI but with AKI, and the certificates without either', () => {
    expect(readKeyIdentifiers(fixtureBytes('b-leaf.der')).subjectKeyId).toBeUndefined();
    expect(readKeyIdentifiers(fixtureBytes('b-leaf.der')).authorityKeyId).toMatch(/^[0-9a-f]{40}$/);
    expect(readKeyIdentifiers(fixtureBytes('c-int.der'))).toEqual({
      subjectKeyId: undefined,
      authorityKeyId: undefined,
    });
  });
});
