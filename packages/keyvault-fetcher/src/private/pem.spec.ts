import { describe, expect, it } from 'vitest';
import { decodePemBlocks, encodePem } from './pem.js';

describe('encodePem', () => {
  it('wraps at 64 columns with no blank or trailing lines', () => {
    const pem = encodePem('CERTIFICATE', Buffer.alloc(60, 7));
    const lines = pem.split('\n');
    expect(lines[0]).toBe('-----BEGIN CERTIFICATE-----');
    expect(lines[1]).toHaveLength(64);
    expect(lines[2]).toHaveLength(80 - 64);
    expect(lines[3]).toBe('-----END CERTIFICATE-----');
    expect(lines[4]).toBe('');
    expect(lines).toHaveLength(5);
  });

  it('encodes the cert vector', () => {
    expect(encodePem('CERTIFICATE', Buffer.from('test'))).toBe(
      '-----BEGIN CERTIFICATE-----\ndGVzdA==\n-----END CERTIFICATE-----\n',
    );
  });

  it('writes Proc-Type first, then other headers sorted', () => {
    const headers = new Map([
      ['DEK-Info', 'AES-128-CBC,00'],
      ['Proc-Type', '4,ENCRYPTED'],
    ]);
    expect(encodePem('RSA PRIVATE KEY', Buffer.from('k'), headers)).toBe(
      '-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\naw==\n-----END RSA PRIVATE KEY-----\n',
    );
  });
});

describe('decodePemBlocks', () => {
  it('reads blocks in order, skipping text around them and CRLF line ends', () => {
    const text = `junk\r\n${encodePem('A', Buffer.from('one'))}middle\n${encodePem('B', Buffer.from('two')).replace(/\n/g, '\r\n')}`;
    const blocks = decodePemBlocks(text);
    expect(blocks.map((b) => [b.type, Buffer.from(b.bytes).toString()])).toEqual([
      ['A', 'one'],
      ['B', 'two'],
    ]);
  });

  it('keeps headers and round-trips them', () => {
    const original = encodePem(
      'RSA PRIVATE KEY',
      Buffer.from('secret'),
      new Map([['Proc-Type', '4,ENCRYPTED']]),
    );
    const [block] = decodePemBlocks(original);
    expect(block?.headers.get('Proc-Type')).toBe('4,ENCRYPTED');
    expect(block && encodePem(block.type, block.bytes, block.headers)).toBe(original);
  });

  it('skips a block whose body is not base64', () => {
    expect(decodePemBlocks('-----BEGIN X-----\n!!!!\n-----END X-----\n')).toEqual([]);
  });
});
