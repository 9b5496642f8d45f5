import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ValidationError } from '@lab/core';

const TEMPLATE = join('packer', 'pulsar-base.pkr.hcl');

/**
 * The Packer template of a build: `given` (relative to `start`), else `packer/pulsar-base.pkr.hcl`
 * in `start` or a parent directory (a checkout of the lab), else `shipped` when given (the copy
 * `@lab/ami-builder` ships, so an installed lab-ami builds outside a checkout).
 */
export function resolveTemplate(given: string | undefined, start: string, shipped?: string): string {
  if (given !== undefined) {
    const path = resolve(start, given);
    if (!existsSync(path)) {
      throw new ValidationError('Packer template not found', [
        { path: 'template', message: 'no such file', received: path },
      ]);
    }
    return path;
  }
  let directory = resolve(start);
  for (;;) {
    const candidate = join(directory, TEMPLATE);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(directory);
    if (parent === directory) break;
    directory = parent;
  }
  if (shipped !== undefined && existsSync(shipped)) return shipped;
  throw new ValidationError('Packer template not found', [
    {
      path: 'template',
      message: `no ${TEMPLATE} in this directory or a parent${shipped === undefined ? '' : `, nor at ${shipped}`}`,
      expected: 'a pulsar-aws-lab checkout, or --template <path>',
      received: start,
    },
  ]);
}
