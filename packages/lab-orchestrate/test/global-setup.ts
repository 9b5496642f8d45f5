import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** The executable's tests run dist/cli.js: build it when `pnpm build` has not. */
export default async function setup(): Promise<void> {
  const root = fileURLToPath(new URL('..', import.meta.url));
  if (!existsSync(`${root}/dist/cli.js`)) {
    await promisify(execFile)(`${root}/node_modules/.bin/tsup`, [], { cwd: root });
  }
}
