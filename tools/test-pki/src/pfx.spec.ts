import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { certificatePem } from './certificates.js';
import { makeChain } from './chain.js';
import { openssl } from './openssl.js';
import { makePfx, PFX_VARIANTS, type PfxVariant } from './pfx.js';
import { privateKeyPem } from './private-key.js';

const dir = mkdtempSync(join(tmpdir(), 'test-pki-pfx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const chain = makeChain(dir);

/** How `openssl pkcs12 -info` describes each variant's protection. */
const PROTECTION: Record<PfxVariant, readonly RegExp[]> = {
  aes: [/^MAC: sha256/m, /^Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC/m, /^PKCS7 Encrypted data: PBES2/m],
  legacy: [
    /^MAC: sha1/m,
    /^Shrouded Keybag: pbeWithSHA1And3-KeyTripleDES-CBC/m,
    /^PKCS7 Encrypted data: pbeWithSHA1And40BitRC2-CBC/m,
  ],
  nomac: [/^Warning: MAC is absent!/m, /^Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC/m],
  unencrypted: [/^MAC: sha256/m, /^Key bag$/m, /^PKCS7 Data\nCertificate bag$/m],
};

describe('makePfx', () => {
  it.each(Object.keys(PFX_VARIANTS) as PfxVariant[])(
    'makes a %s PFX that openssl opens with the empty password: the key, then the leaf and the others',
    (variant) => {
      const pfx = makePfx(dir, {
        out: variant,
        key: chain.leaf,
        certificates: ['root', 'leaf', 'int'],
        variant,
      });
      expect(pfx).toEqual(readFileSync(join(dir, `${variant}.pfx`)));
      // -legacy adds the RC2 the legacy variant needs; the other variants open the same without it
      const read = (...args: string[]) =>
        openssl(dir, [
          'pkcs12',
          '-in',
          `${variant}.pfx`,
          '-passin',
          'pass:',
          '-nodes',
          '-legacy',
          ...args,
        ]).toString();
      // openssl prints -info on stderr
      const info = spawnSync(
        'openssl',
        ['pkcs12', '-in', `${variant}.pfx`, '-passin', 'pass:', '-info', '-noout', '-legacy'],
        { cwd: dir, encoding: 'utf8' },
      ).stderr;
      for (const pattern of PROTECTION[variant]) expect(info).toMatch(pattern);
      expect(info.includes('MAC:')).toBe(variant !== 'nomac');
      expect(
        read('-nocerts').match(/-----BEGIN PRIVATE KEY-----[\s\S]*-----END PRIVATE KEY-----\n/)?.[0],
      ).toBe(privateKeyPem(readFileSync(join(dir, 'leaf.key'), 'utf8')));
      const certificates = read('-nokeys').match(
        /-----BEGIN CERTIFICATE-----[^-]*-----END CERTIFICATE-----\n/g,
      );
      expect(certificates).toEqual(['leaf', 'root', 'int'].map((name) => certificatePem(dir, name)));
    },
  );
});
