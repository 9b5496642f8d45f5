import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', 'aws/index': 'src/aws/index.ts' },
  format: ['esm'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node22',
});
