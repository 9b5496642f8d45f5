import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The tests read the module where the package ships it: copy terraform/ there first. */
export default function setup(): void {
  execFileSync(process.execPath, [fileURLToPath(new URL('../scripts/copy-terraform.mjs', import.meta.url))], {
    stdio: 'inherit',
  });
}
