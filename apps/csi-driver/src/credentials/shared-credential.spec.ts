import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { describe, expect, it } from 'vitest';
import { SharedCredential } from './shared-credential.js';
import { TokenAgeLimit } from './token-age-limit.js';

/**
 * Stands in for an @azure/identity credential: like ClientSecretCredential, each instance has its
 * own token cache that starts empty, so its first getToken is "a call to Azure AD".
 */
class CountingCredential implements TokenCredential {
  static issued = 0;
  #cached: AccessToken | undefined;
  constructor(private readonly now: () => number) {}
  async getToken(): Promise<AccessToken> {
    if (this.#cached === undefined) {
      CountingCredential.issued++;
      this.#cached = {
        token: `token-${CountingCredential.issued}`,
        expiresOnTimestamp: this.now() + 3_600_000,
      };
    }
    return this.#cached;
  }
}

function setup(maxAgeMs: number) {
  let now = 5_000_000;
  CountingCredential.issued = 0;
  const clock = () => now;
  let created = 0;
  const shared = new SharedCredential(() => {
    created++;
    return new CountingCredential(clock);
  }, new TokenAgeLimit(maxAgeMs, clock));
  return {
    shared,
    created: () => created,
    advance: (ms: number) => {
      now += ms;
    },
    now: clock,
  };
}

describe('SharedCredential with a token age limit', () => {
  it('reuses the credential (and its token cache) within the limit, then builds a new one', async () => {
    const { shared, created, advance } = setup(300_000);
    const first = await shared.getToken('scope');
    advance(299_999);
    expect((await shared.getToken('scope'))?.token).toBe(first?.token);
    expect(created()).toBe(1);
    advance(1);
    const renewed = await shared.getToken('scope');
    expect(renewed?.token).not.toBe(first?.token);
    expect(created()).toBe(2);
    expect(CountingCredential.issued).toBe(2);
  });

  it('hands the SDK tokens that expire (for the SDK) when the limit ends them', async () => {
    const { shared, now, advance } = setup(300_000);
    const createdAt = now();
    advance(100_000);
    const token = await shared.getToken('scope');
    expect(token?.expiresOnTimestamp).toBe(createdAt + 300_000);
    expect(token?.refreshAfterTimestamp).toBe(createdAt + 300_000);
  });

  it('still makes one call for concurrent callers', async () => {
    const { shared, created } = setup(300_000);
    const tokens = await Promise.all(Array.from({ length: 5 }, () => shared.getToken('scope')));
    expect(new Set(tokens.map((t) => t?.token)).size).toBe(1);
    expect(CountingCredential.issued).toBe(1);
    expect(created()).toBe(1);
  });

  it('rejects (does not throw) when the credential cannot be rebuilt', async () => {
    let now = 0;
    let calls = 0;
    const shared = new SharedCredential(
      () => {
        calls++;
        if (calls > 1) throw new Error('bad configuration');
        return new CountingCredential(() => now);
      },
      new TokenAgeLimit(1000, () => now),
    );
    await shared.getToken('scope');
    now = 1000;
    await expect(shared.getToken('scope')).rejects.toThrow('bad configuration');
  });
});
