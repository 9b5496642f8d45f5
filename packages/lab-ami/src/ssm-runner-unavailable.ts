import type { RunCommand } from '@lab/ami-builder/aws';

/**
 * Stands in for `@lab/ssm-runner`'s `runCommand` until that package is part of the workspace:
 * undefined, so `lab-ami validate` refuses to start (see ssm-runner-adapter.ts) instead of
 * launching an instance it cannot check.
 */
export const runCommand: RunCommand | undefined = undefined;
