import { describe, expect, it } from 'vitest';
import { vaultRequestKinds } from './vault-request-kinds.js';
import { wildcardFloorMs } from './wildcard-floor.js';

describe('wildcardFloorMs', () => {
  it('is 8 sequential pages plus 4 waves of GETs for 200 secrets, 25 a page, 64 in flight', () => {
    expect(wildcardFloorMs({ matches: 200, listed: 200, pageSize: 25, concurrency: 64, latencyMs: 20 })).toBe(
      (8 + 4) * 20,
    );
  });

  it('lists every secret of the vault but reads only the matches; an empty vault is one page', () => {
    expect(wildcardFloorMs({ matches: 10, listed: 26, pageSize: 25, concurrency: 64, latencyMs: 5 })).toBe(
      (2 + 1) * 5,
    );
    expect(wildcardFloorMs({ matches: 0, listed: 0, pageSize: 25, concurrency: 64, latencyMs: 5 })).toBe(5);
    expect(() =>
      wildcardFloorMs({ matches: 1, listed: 1, pageSize: 0, concurrency: 1, latencyMs: 5 }),
    ).toThrow(RangeError);
  });
});

describe('vaultRequestKinds', () => {
  const authorized = { probe: false, identity: 'app' };
  it('splits list pages from secret reads and leaves probes and rejected tokens out', () => {
    expect(
      vaultRequestKinds([
        { method: 'GET', path: '/secrets', probe: true, identity: undefined },
        { method: 'GET', path: '/secrets', ...authorized },
        { method: 'GET', path: '/secrets/', ...authorized },
        { method: 'GET', path: '/secrets/a/', ...authorized },
        { method: 'GET', path: '/secrets/a/0123abcd', ...authorized },
        { method: 'GET', path: '/secrets/a/versions', ...authorized },
        { method: 'GET', path: '/keys/k/', ...authorized },
        { method: 'GET', path: '/secrets/b/', probe: false, identity: undefined },
      ]),
    ).toEqual({ listPages: 2, secretGets: 2, other: 2 });
  });
});
