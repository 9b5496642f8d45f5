import { defineConfig } from 'tsup';

export default defineConfig({
  // main: the programmatic entry (tests, other tools); cli: the `lab-ami` executable.
  entry: ['src/main.ts', 'src/cli.ts'],
  format: ['esm'],
  dts: { entry: 'src/main.ts' },
  clean: true,
  sourcemap: true,
  target: 'node22',
  banner: { js: '#!/usr/bin/env node' },
});
