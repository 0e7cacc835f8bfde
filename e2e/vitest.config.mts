import { defineConfig } from 'vitest/config';

// e2e runs the *built* daemon (dist/main.js) as a child process; the doubles may load from source.
export default defineConfig({
  resolve: { conditions: ['@keyvault-csi/source'] },
  ssr: { resolve: { conditions: ['@keyvault-csi/source'] } },
  test: {
    name: 'e2e',
    watch: false,
    include: ['src/**/*.spec.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
