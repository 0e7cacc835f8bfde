import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@keyvault-csi/source'] },
  ssr: { resolve: { conditions: ['@keyvault-csi/source'] } },
  test: {
    name: 'internal',
    watch: false,
    include: ['src/**/*.spec.ts'],
    environment: 'node',
  },
});
