import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { describe, expect, it } from 'vitest';
import { DelegatingCredential } from './delegating-credential.js';

const named = (name: string, fail?: Error): TokenCredential => ({
  getToken: async (): Promise<AccessToken> => {
    if (fail) throw fail;
    return { token: name, expiresOnTimestamp: 0 };
  },
});

describe('DelegatingCredential', () => {
  it('asks the most recent active lease, falling back to older active ones, then the last one leased', async () => {
    const errors: unknown[] = [];
    const credential = new DelegatingCredential((e) => errors.push(e));
    await expect(credential.getToken('s')).rejects.toThrow('no credential leased');
    const releaseA = credential.lease(named('a'));
    const releaseB = credential.lease(named('b'));
    expect((await credential.getToken('s'))?.token).toBe('b');
    releaseB();
    expect((await credential.getToken('s'))?.token).toBe('a');
    releaseA();
    expect((await credential.getToken('s'))?.token).toBe('b');
    expect(errors).toEqual([]);
  });

  it('passes the target’s error through unchanged and reports it', async () => {
    const errors: unknown[] = [];
    const credential = new DelegatingCredential((e) => errors.push(e));
    const failure = new Error('NMI 404');
    credential.lease(named('x', failure));
    await expect(credential.getToken('s')).rejects.toBe(failure);
    expect(errors).toEqual([failure]);
  });
});
