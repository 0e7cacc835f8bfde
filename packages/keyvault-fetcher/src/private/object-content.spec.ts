import { describe, expect, it } from 'vitest';
import { fixtureBytes, fixtureText } from '../../test/fixtures.js';
import { object } from '../../test/helpers.js';
import { certificateContent, keyContent, type SecretBundle, secretContent } from './object-content.js';

const ID = 'https://kv.vault.azure.net/secrets/c1/0123456789abcdef0123456789abcdef';
const KID = 'https://kv.vault.azure.net/keys/c1/0123456789abcdef0123456789abcdef';
const plainOptions = { constructPemChain: true, writeCertAndKeyInSeparateFiles: false };
const splitOptions = { constructPemChain: true, writeCertAndKeyInSeparateFiles: true };

const secret = (
  value: string | undefined,
  properties: Partial<SecretBundle['properties']> = {},
): SecretBundle => ({
  value,
  properties: { id: ID, version: '0123456789abcdef0123456789abcdef', ...properties },
});
const certSecret = (value: string, contentType?: string) =>
  secret(value, { certificateKeyId: KID, contentType });
const texts = (files: readonly { suffix: string; contents: Uint8Array }[]) =>
  files.map((f) => [f.suffix, Buffer.from(f.contents).toString('utf8')]);

describe('secretContent', () => {
  it('writes a plain secret’s value, whatever its contentType, and reports its version', () => {
    const result = secretContent(
      secret('x', { contentType: 'application/x-pkcs12' }),
      object({ objectName: 's' }),
      plainOptions,
    );
    expect(texts(result.files)).toEqual([['', 'x']]);
    expect(result.version).toBe('0123456789abcdef0123456789abcdef');
  });

  it('reports a missing value or id', () => {
    expect(() => secretContent(secret(undefined), object({ objectName: 's' }), plainOptions)).toThrow(
      'secret value is nil',
    );
    expect(() =>
      secretContent(secret('x', { id: undefined }), object({ objectName: 's' }), plainOptions),
    ).toThrow('secret id is nil');
  });

  it('does not split plain secrets', () => {
    const pem = fixtureText('a-leaf.x509.pem');
    expect(texts(secretContent(secret(pem), object({ objectName: 's' }), splitOptions).files)).toEqual([
      ['', pem],
    ]);
  });

  it.each([
    ['text/plain', "failed to get certificate. unknown content type 'text/plain'"],
    [undefined, "failed to get certificate. unknown content type ''"],
  ])('refuses certificate-backed content type %s', (contentType, message) => {
    expect(() =>
      secretContent(certSecret('x', contentType), object({ objectName: 's' }), plainOptions),
    ).toThrow(message);
  });

  it('passes PEM content through with objectFormat pfx too', () => {
    const pem = `junk\n${fixtureText('a-root.x509.pem')}`;
    expect(
      texts(
        secretContent(
          certSecret(pem, 'application/x-pem-file'),
          object({ objectName: 's', objectFormat: 'pfx' }),
          plainOptions,
        ).files,
      ),
    ).toEqual([['', pem]]);
  });

  it('splits PEM content: certificates in input order, other blocks, re-encoded, text dropped', () => {
    const crlf = (s: string) => s.replace(/\n/g, '\r\n');
    const pem = `# bundle\n${fixtureText('a-root.x509.pem')}${crlf(fixtureText('a-leaf.pkcs8.pem'))}text\n${fixtureText('a-leaf.x509.pem')}`;
    const result = secretContent(
      certSecret(pem, 'application/x-pem-file'),
      object({ objectName: 's' }),
      splitOptions,
    );
    expect(texts(result.files)).toEqual([
      ['.crt', fixtureText('a-root.x509.pem') + fixtureText('a-leaf.x509.pem')],
      ['.key', fixtureText('a-leaf.pkcs8.pem')],
      ['', pem],
    ]);
  });

  it('applies objectEncoding to every file of a secret object, split files too', () => {
    const inner = Buffer.from('hello');
    const pem = `-----BEGIN CERTIFICATE-----\n${inner.toString('base64')}\n-----END CERTIFICATE-----\n`;
    const base64Pem = Buffer.from(pem).toString('base64');
    // A PEM stored base64-encoded in a certificate-backed secret is unusual but shows the order: split, then decode.
    const result = secretContent(
      certSecret(base64Pem, 'application/x-pem-file'),
      object({ objectName: 's', objectEncoding: 'base64' }),
      splitOptions,
    );
    expect(texts(result.files).at(-1)).toEqual(['', pem]);
    const pfx = fixtureBytes('rsa-aes.pfx');
    const binary = secretContent(
      certSecret(pfx.toString('base64'), 'application/x-pkcs12'),
      object({ objectName: 's', objectFormat: 'pfx', objectEncoding: 'base64' }),
      splitOptions,
    );
    expect(binary.files).toHaveLength(1);
    expect(Buffer.from(binary.files[0]?.contents ?? [])).toEqual(pfx);
  });

  it('converts PKCS#12 to PEM and splits the result', () => {
    const value = fixtureBytes('ec-chain-legacy.pfx').toString('base64');
    const result = secretContent(
      certSecret(value, 'application/x-pkcs12'),
      object({ objectName: 's' }),
      splitOptions,
    );
    const chain =
      fixtureText('a-leaf.x509.pem') + fixtureText('a-int.x509.pem') + fixtureText('a-root.x509.pem');
    expect(texts(result.files)).toEqual([
      ['.crt', chain],
      ['.key', fixtureText('a-leaf.pkcs8.pem')],
      ['', fixtureText('a-leaf.pkcs8.pem') + chain],
    ]);
    expect(result.chainComplete).toBe(true);
  });
});

describe('keyContent', () => {
  it('reports a missing key or kid', () => {
    expect(() => keyContent({ properties: {} })).toThrow('key value is nil');
    expect(() => keyContent({ key: { kty: 'RSA' }, properties: {} })).toThrow('key id is nil');
  });
});

describe('certificateContent', () => {
  it('writes the cer bytes as one CERTIFICATE block without parsing them (spec vector)', () => {
    const result = certificateContent({
      cer: Buffer.from('test'),
      properties: { id: 'https://kv.vault.azure.net/certificates/c/v1', version: 'v1' },
    });
    expect(texts(result.files)).toEqual([
      ['', '-----BEGIN CERTIFICATE-----\ndGVzdA==\n-----END CERTIFICATE-----\n'],
    ]);
    expect(result.version).toBe('v1');
  });

  it('reports a missing cer or id', () => {
    expect(() => certificateContent({ properties: { id: 'x' } })).toThrow('certificate value is nil');
    expect(() => certificateContent({ cer: Buffer.from('t'), properties: {} })).toThrow(
      'certificate id is nil',
    );
  });
});
