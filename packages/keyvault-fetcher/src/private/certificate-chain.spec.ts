import { describe, expect, it } from 'vitest';
import { fixtureBytes } from '../../test/fixtures.js';
import { orderCertificateChain } from './certificate-chain.js';

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

const der = (name: string): Uint8Array => fixtureBytes(`${name}.der`);
const names = (result: readonly Uint8Array[], all: readonly string[]): string[] =>
  result.map((d) => all.find((n) => Buffer.from(der(n)).equals(Buffer.from(d))) ?? '?');

describe('orderCertificateChain', () => {
  const a = ['a-root', 'a-int', 'a-leaf'];
  it.each(permutations(a).map((p) => [p.join(',')]))(
    'orders root/int/leaf given as %s → leaf, int, root',
    (order) => {
      const input = order.split(',');
      const result = orderCertificateChain(input.map(der));
      expect(result.complete).toBe(true);
      expect(names(result.certificates, a)).toEqual(['a-leaf', 'a-int', 'a-root']);
    },
  );

  const b = ['b-root', 'b-int1', 'b-int2', 'b-leaf'];
  const bOrders = permutations(b);
  it.each(bOrders.map((p) => [p.join(',')]))(
    'orders root/int1/int2/leaf (leaf without SKI) given as %s → leaf, int2, int1, root',
    (order) => {
      const result = orderCertificateChain(order.split(',').map(der));
      expect(result.complete).toBe(true);
      expect(names(result.certificates, b)).toEqual(['b-leaf', 'b-int2', 'b-int1', 'b-root']);
    },
  );

  it('keeps the input order when the intermediate is missing (leaf + root only)', () => {
    for (const order of [
      ['a-leaf', 'a-root'],
      ['a-root', 'a-leaf'],
    ]) {
      const result = orderCertificateChain(order.map(der));
      expect(result.complete).toBe(false);
      expect(names(result.certificates, a)).toEqual(order);
    }
  });

  it('keeps the input order when an unrelated certificate is present', () => {
    const order = ['a-root', 'b-leaf', 'a-int', 'a-leaf'];
    const result = orderCertificateChain(order.map(der));
    expect(result.complete).toBe(false);
    expect(names(result.certificates, [...a, ...b])).toEqual(order);
  });

  it('orders certificates without any key identifiers by issuer name and signature (ours)', () => {
    const c = ['c-root', 'c-int', 'c-leaf'];
    for (const order of permutations(c)) {
      const result = orderCertificateChain(order.map(der));
      expect(names(result.certificates, c)).toEqual(['c-leaf', 'c-int', 'c-root']);
    }
  });

  it('returns a single certificate unchanged', () => {
    expect(names(orderCertificateChain([der('a-leaf')]).certificates, a)).toEqual(['a-leaf']);
  });

  it('reports an empty certificate and unparsable bytes', () => {
    expect(() => orderCertificateChain([new Uint8Array()])).toThrow('certificate is nil');
    expect(() => orderCertificateChain([Buffer.from('not a certificate')])).toThrow(
      /^failed to parse certificate: /,
    );
  });

  it('finds no leaf when every certificate is another one’s parent (a duplicated root)', () => {
    expect(() => orderCertificateChain([der('a-root'), der('a-root')])).toThrow('no leaf found');
  });
});
