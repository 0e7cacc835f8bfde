import { defineConfig } from 'vitest/config';

// One run over every project (each keeps its own vitest.config.mts), so `npm test` prints one summary.
export default defineConfig({
  test: {
    watch: false,
    projects: ['packages/*', 'apps/*', 'tools/*', 'e2e'],
  },
});
