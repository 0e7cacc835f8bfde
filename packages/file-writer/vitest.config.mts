import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@keyvault-csi/source'] },
  ssr: { resolve: { conditions: ['@keyvault-csi/source'] } },
  test: {
    name: 'file-writer',
    watch: false,
    include: ['src/**/*.spec.ts', 'test/**/*.spec.ts'],
    environment: 'node',
    testTimeout: 30_000,
    // Child processes (cross-process and crash tests) import the built dist: build it first.
    globalSetup: ['./test/global-setup.ts'],
  },
});
