import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtureBytes, fixturesDir } from '../../test/fixtures.js';
import { readKeyIdentifiers } from './key-identifiers.js';

function opensslExtension(cert: string, ext: string): string | undefined {
  const out = execFileSync(
    'openssl',
    ['x509', '-in', join(fixturesDir(), `${cert}.pem`), '-noout', '-ext', ext],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const hex = /((?:[0-9A-F]{2}:)+[0-9A-F]{2})/.exec(out)?.[1];
  return hex?.replace(/:/g, '').toLowerCase();
}

describe('readKeyIdentifiers', () => {
  it.each(['a-root', 'a-int', 'a-leaf', 'b-leaf', 'c-leaf'])('matches openssl for %s', (cert) => {
    const ids = readKeyIdentifiers(fixtureBytes(`${cert}.der`));
    expect(ids.subjectKeyId).toBe(opensslExtension(cert, 'subjectKeyIdentifier'));
    expect(ids.authorityKeyId).toBe(opensslExtension(cert, 'authorityKeyIdentifier'));
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
