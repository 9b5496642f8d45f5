import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/aws.ts'],
  format: ['esm'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node22',
  // The image checks are a real bash script (shellchecked, run in tests), read at run time.
  onSuccess: 'cp src/check-image.sh dist/check-image.sh',
});
