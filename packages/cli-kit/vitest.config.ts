import { defineConfig } from 'vitest/config';

export default defineConfig({
  // The pseudo-terminal tests start a program each (about half a second).
  test: { include: ['test/**/*.test.ts'], testTimeout: 30_000 },
});
