import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/**/*.local.test.ts'],
    testTimeout: 60_000,
    globalSetup: ['test/global-setup.ts'],
  },
});
