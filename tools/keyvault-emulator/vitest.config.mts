import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@keyvault-csi/source'] },
  ssr: { resolve: { conditions: ['@keyvault-csi/source'] } },
  test: {
    name: 'keyvault-emulator',
    watch: false,
    include: ['src/**/*.spec.ts', 'test/**/*.spec.ts'],
    environment: 'node',
    testTimeout: 30_000,
    // Creates the test CA and sets NODE_EXTRA_CA_CERTS before the worker processes start.
    globalSetup: ['./test/global-setup.ts'],
    pool: 'forks',
  },
});
