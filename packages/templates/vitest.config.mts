import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@keyvault-csi/source'] },
  ssr: { resolve: { conditions: ['@keyvault-csi/source'] } },
  test: {
    name: 'templates',
    watch: false,
    include: ['src/**/*.spec.ts', 'test/**/*.spec.ts'],
    environment: 'node',
    testTimeout: 30_000,
  },
});
