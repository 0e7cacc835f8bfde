import { describe, expect, it } from 'vitest';
import { DriverMetrics } from './metrics.js';

const gauge = (text: string, quantile: string): number =>
  Number(new RegExp(`^event_loop_delay_seconds\\{quantile="${quantile}"\\} (\\S+)$`, 'm').exec(text)?.[1]);

describe('event_loop_delay_seconds', () => {
  it('reports a main-thread stall since the previous scrape, then starts over', async () => {
    const metrics = new DriverMetrics({ processMetrics: false });
    await metrics.exposition();
    // Let the 10 ms sampler run, then block the loop for 300 ms.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const until = performance.now() + 300;
    while (performance.now() < until) {
      // busy: what a costly parse does to every other request
    }
    await new Promise((resolve) => setTimeout(resolve, 30));
    const stalled = await metrics.exposition();
    expect(stalled).toContain('# TYPE event_loop_delay_seconds gauge');
    expect(gauge(stalled, '1')).toBeGreaterThanOrEqual(0.25);
    expect(gauge(stalled, '0.5')).toBeLessThanOrEqual(gauge(stalled, '1'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(gauge(await metrics.exposition(), '1')).toBeLessThan(0.25);
  });
});
