import type { KeyVaultEmulator } from '@keyvault-csi/keyvault-emulator';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KeyVaultFetcher, type MountByteBudget } from '../src/index.js';
import { object, startProxiedEmulator, stopProxiedEmulator, TestCredential } from './helpers.js';

const VAULT = 'kv-budget';
const VALUE_BYTES = 25 * 1024;

let kv: KeyVaultEmulator;
let vaultUrl: string;

beforeAll(async () => {
  kv = await startProxiedEmulator({ latencyMs: 20 });
  vaultUrl = kv.vaultUrl(VAULT);
  const v = kv.vault(VAULT);
  v.grant('app', { secrets: ['get', 'list'] });
  v.setSecret('big', 'b'.repeat(VALUE_BYTES));
  for (let i = 0; i < 40; i++) v.setSecret(`s${i}`, 'v'.repeat(VALUE_BYTES));
});

afterAll(() => stopProxiedEmulator(kv));
beforeEach(() => kv.resetStats());

class BudgetStop extends Error {}

/** Refuses once more than `limit` bytes were charged; records every charge. */
function budget(limit: number): MountByteBudget & { charged: number; charges: number } {
  const state = {
    charged: 0,
    charges: 0,
    charge(bytes: number) {
      state.charges++;
      state.charged += bytes;
      if (state.charged > limit) throw new BudgetStop(`over ${limit}: ${state.charged}`);
    },
  };
  return state;
}

describe('a mount byte budget', () => {
  it('is charged once per object with its file bytes and lets a mount within it through', async () => {
    const fetcher = new KeyVaultFetcher();
    const b = budget(10 * VALUE_BYTES);
    const result = await fetcher.fetch({
      vaultUrl,
      credential: new TestCredential('app'),
      identityKey: 'app',
      objects: [object({ objectName: 's0' }), object({ objectName: 's1', index: 1 })],
      byteBudget: b,
    });
    expect(result.files).toHaveLength(2);
    expect(b.charged).toBe(2 * VALUE_BYTES);
    await fetcher.close();
  });

  it('stops a 4,000-alias mount of one coalesced secret after the budget: the error itself, no more conversions', async () => {
    const fetcher = new KeyVaultFetcher();
    const b = budget(4 * 1024 * 1024);
    const objects = Array.from({ length: 4000 }, (_, i) =>
      object({ objectName: 'big', objectAlias: `a${i}`, fileName: `a${i}`, index: i }),
    );
    const fetching = fetcher.fetch({
      vaultUrl,
      credential: new TestCredential('app'),
      identityKey: 'app',
      objects,
      byteBudget: b,
    });
    await expect(fetching).rejects.toBeInstanceOf(BudgetStop);
    // 4 MiB / 25 KiB = 163.84: the 164th conversion trips it and nothing converts after it.
    expect(b.charges).toBe(164);
    expect(kv.countRequests({ path: '/secrets/big', probe: false, method: 'GET' })).toBe(1);
    await fetcher.close();
  });

  it('aborts the outstanding requests of the stopped mount', async () => {
    const slow = kv.injectFault({ path: '/secrets/s3/', action: { type: 'delay', ms: 3000 } });
    try {
      const fetcher = new KeyVaultFetcher();
      const b = budget(VALUE_BYTES);
      const started = performance.now();
      await expect(
        fetcher.fetch({
          vaultUrl,
          credential: new TestCredential('app'),
          identityKey: 'app',
          objects: [0, 1, 2, 3].map((i) => object({ objectName: `s${i}`, index: i })),
          byteBudget: b,
        }),
      ).rejects.toBeInstanceOf(BudgetStop);
      // The slow object's request was cancelled, not awaited.
      expect(performance.now() - started).toBeLessThan(2500);
      await fetcher.close();
    } finally {
      slow.remove();
    }
  });

  it('may wait (an async charge), and a refusal after the wait stops the mount the same way', async () => {
    const fetcher = new KeyVaultFetcher();
    let calls = 0;
    const waiting: MountByteBudget = {
      charge: async (_bytes, signal) => {
        calls++;
        await new Promise((resolve) => setTimeout(resolve, 10));
        signal.throwIfAborted();
        if (calls === 3) throw new BudgetStop('no room');
      },
    };
    await expect(
      fetcher.fetch({
        vaultUrl,
        credential: new TestCredential('app'),
        identityKey: 'app',
        objects: Array.from({ length: 6 }, (_, i) => object({ objectName: `s${i}`, index: i })),
        byteBudget: waiting,
      }),
    ).rejects.toThrow('no room');
    await fetcher.close();
  });
});
