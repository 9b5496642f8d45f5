import { defineConfig } from 'vitest/config';

// Suites that start real Pulsar and OMB on this machine: one file at a time (`pnpm test` runs
// them after every other package's tests, one package at a time).
export default defineConfig({
  test: {
    include: ['test/**/*.local.test.ts'],
    fileParallelism: false,
    testTimeout: 900_000,
    hookTimeout: 900_000,
  },
});
