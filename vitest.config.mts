import { defineConfig } from 'vitest/config';

// One run over every project (each keeps its own vitest.config.mts), so `npm test` prints one summary.
export default defineConfig({
  test: {
    watch: false,
    projects: [
      'packages/*/vitest.config.mts',
      'apps/*/vitest.config.mts',
      'tools/*/vitest.config.mts',
      'e2e/vitest.config.mts',
    ],
  },
});
