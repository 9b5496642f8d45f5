import { cp, rm } from 'node:fs/promises';
import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/aws.ts'],
  format: ['esm'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node22',
  // The image checks are a real bash script (shellchecked, run in tests), read at run time; the
  // package ships the lab's packer/ (template, scripts, on-instance files) as PACKER_DIR.
  onSuccess: async () => {
    await cp('src/check-image.sh', 'dist/check-image.sh');
    await rm('packer', { recursive: true, force: true });
    await cp('../../packer', 'packer', { recursive: true });
  },
});
