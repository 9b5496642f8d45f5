import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The tests read the shipped files where the package ships them: copy configs/ there first. */
export default function setup(): void {
  execFileSync(process.execPath, [fileURLToPath(new URL('../scripts/copy-configs.mjs', import.meta.url))], {
    stdio: 'inherit',
  });
}
