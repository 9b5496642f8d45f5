import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Property-based suites generate hundreds of documents; give them room on a busy machine.
  test: { include: ['test/**/*.test.ts'], testTimeout: 30_000, globalSetup: ['test/global-setup.ts'] },
});
