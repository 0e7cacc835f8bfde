import { createPrivateKey, X509Certificate } from 'node:crypto';
import { PFX_VARIANTS, type PfxVariant } from '@keyvault-csi/test-pki';
import { describe, expect, it } from 'vitest';
import { fixtureBytes, fixtureText } from '../../test/fixtures.js';
import { decodePemBlocks } from './pem.js';
import { pfxToPem } from './pfx-to-pem.js';

const variants = Object.keys(PFX_VARIANTS) as PfxVariant[];
const pfxBase64 = (name: string): string => fixtureBytes(`${name}.pfx`).toString('base64');

describe('pfxToPem', () => {
  it.each(variants)(
    'converts an RSA single-certificate PFX (%s) to openssl’s PKCS#8 key then certificate',
    (variant) => {
      const { pem, chainComplete } = pfxToPem(pfxBase64(`rsa-${variant}`), { constructPemChain: true });
      expect(pem).toBe(fixtureText('rsa.pkcs8.pem') + fixtureText('rsa.x509.pem'));
      expect(chainComplete).toBe(true);
      const [key, cert] = decodePemBlocks(pem);
      expect(key?.type).toBe('PRIVATE KEY');
      expect(new X509Certificate(Buffer.from(cert?.bytes ?? [])).checkPrivateKey(createPrivateKey(pem))).toBe(
        true,
      );
    },
  );

  it.each(variants)(
    'converts an EC leaf + chain stored as leaf, root, int (%s) to key, leaf, int, root',
    (variant) => {
      const { pem } = pfxToPem(pfxBase64(`ec-chain-${variant}`), { constructPemChain: true });
      expect(pem).toBe(
        fixtureText('a-leaf.pkcs8.pem') +
          fixtureText('a-leaf.x509.pem') +
          fixtureText('a-int.x509.pem') +
          fixtureText('a-root.x509.pem'),
      );
      const leaf = new X509Certificate(Buffer.from(decodePemBlocks(pem)[1]?.bytes ?? []));
      expect(leaf.checkPrivateKey(createPrivateKey(pem))).toBe(true);
    },
  );

  it('keeps the stored certificate order with constructPemChain false', () => {
    const { pem } = pfxToPem(pfxBase64('ec-chain-aes'), { constructPemChain: false });
    expect(pem).toBe(
      fixtureText('a-leaf.pkcs8.pem') +
        fixtureText('a-leaf.x509.pem') +
        fixtureText('a-root.x509.pem') +
        fixtureText('a-int.x509.pem'),
    );
  });

  it('keeps the stored order when the chain is incomplete (leaf + root) and says so', () => {
    const { pem, chainComplete } = pfxToPem(pfxBase64('ec-partial'), { constructPemChain: true });
    expect(chainComplete).toBe(false);
    expect(pem).toBe(
      fixtureText('a-leaf.pkcs8.pem') + fixtureText('a-leaf.x509.pem') + fixtureText('a-root.x509.pem'),
    );
  });

  it('accepts base64 wrapped with CRLF and rejects junk with Go’s offset', () => {
    const wrapped = pfxBase64('rsa-aes').replace(/(.{76})/g, '$1\r\n');
    expect(pfxToPem(wrapped, { constructPemChain: true }).pem).toBe(
      fixtureText('rsa.pkcs8.pem') + fixtureText('rsa.x509.pem'),
    );
    expect(() => pfxToPem('MII*', { constructPemChain: true })).toThrow(
      'illegal base64 data at input byte 3',
    );
  });

  it('reports undecodable PKCS#12 data', () => {
    expect(() => pfxToPem(Buffer.from('not a pfx').toString('base64'), { constructPemChain: true })).toThrow(
      /^failed to decode PKCS#12: /,
    );
  });
});
