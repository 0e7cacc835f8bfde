import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { benchPods, median, mountAttributes, runPool, templatesParameter } from './mount-load.js';

describe('runPool', () => {
  it('keeps at most `concurrency` tasks in flight and returns results in task order', async () => {
    let inFlight = 0;
    let most = 0;
    const results = await runPool(20, 4, async (i) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await delay(5 + ((i * 7) % 5));
      inFlight--;
      return i * 2;
    });
    expect(most).toBe(4);
    expect(results).toEqual(Array.from({ length: 20 }, (_, i) => i * 2));
  });
});

describe('helpers', () => {
  it('median of odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('builds the driver attributes of a pod-identity mount', () => {
    const [pod] = benchPods('p', 1);
    const attributes = JSON.parse(mountAttributes('kv-x', ['a', 'b'], pod!)) as Record<string, string>;
    expect(attributes).toMatchObject({
      usePodIdentity: 'true',
      keyvaultName: 'kv-x',
      'csi.storage.k8s.io/pod.name': 'p-0',
      'csi.storage.k8s.io/pod.namespace': 'bench',
    });
    expect(attributes['objects']).toBe(
      'array:\n  - |\n    objectName: a\n    objectType: secret\n  - |\n    objectName: b\n    objectType: secret\n',
    );
  });

  it('builds 5 templates that together read each of 20 secrets once (twice: text and base64)', () => {
    const names = Array.from({ length: 20 }, (_, i) => `s-${i}`);
    const text = templatesParameter(names, 5);
    expect(text.match(/fileName: rendered\/t\d\.env/g)).toEqual(
      [0, 1, 2, 3, 4].map((t) => `fileName: rendered/t${t}.env`),
    );
    for (const name of names) {
      // Each template is a JSON string inside the YAML: quotes are escaped.
      expect(text.split(`(file \\"${name}\\")`).length - 1, name).toBe(2);
    }
  });
});
