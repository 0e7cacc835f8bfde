import { describe, expect, it } from 'vitest';
import { ChallengeGate } from './challenge-gate.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('ChallengeGate', () => {
  it('lets the first call go and holds the others until the gate opens', async () => {
    const gate = new ChallengeGate();
    const signal = new AbortController().signal;
    const started: string[] = [];
    let finishFirst!: () => void;
    const first = gate.run(signal, async () => {
      started.push('first');
      await new Promise<void>((resolve) => (finishFirst = resolve));
    });
    const second = gate.run(signal, async () => void started.push('second'));
    await tick();
    expect(started).toEqual(['first']);
    gate.open(); // the first call's token arrived
    await second;
    expect(started).toEqual(['first', 'second']);
    finishFirst();
    await first;
    await gate.run(signal, async () => void started.push('later'));
    expect(started).toEqual(['first', 'second', 'later']);
  });

  it('opens when the first call settles without a token (e.g. it failed)', async () => {
    const gate = new ChallengeGate();
    const signal = new AbortController().signal;
    const first = gate.run(signal, async () => Promise.reject(new Error('credential failed')));
    const second = gate.run(signal, async () => 'went');
    await expect(first).rejects.toThrow('credential failed');
    expect(await second).toBe('went');
  });

  it('drops a held call whose signal aborts', async () => {
    const gate = new ChallengeGate();
    const first = gate.run(new AbortController().signal, () => new Promise<void>(() => undefined));
    const controller = new AbortController();
    const held = gate.run(controller.signal, async () => 'ran');
    controller.abort(new Error('deadline'));
    await expect(held).rejects.toThrow('deadline');
    void first;
  });
});
