import { readlink } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import { assertExperimentId, LabError } from '@lab/core';

/** The experiment store's root: `$PULSAR_AWS_LAB_HOME`, else `~/.pulsar-aws-lab`. */
export function labHome(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.PULSAR_AWS_LAB_HOME;
  return configured !== undefined && configured !== '' ? configured : join(homedir(), '.pulsar-aws-lab');
}

/**
 * Resolves `latest` by reading the store's `latest` symlink (`<home>/latest` → `exp-…`).
 * Stand-in until @lab/experiment-store offers this; the link is the store's documented contract.
 */
export async function resolveLatest(home: string): Promise<string> {
  const link = join(home, 'latest');
  let target: string;
  try {
    target = await readlink(link);
  } catch (error) {
    throw new LabError('EXPERIMENT_NOT_FOUND', `No latest experiment: cannot read ${link}`, {
      cause: error,
      hint: 'Name the experiment id explicitly, or set PULSAR_AWS_LAB_HOME to the store that has it.',
    });
  }
  return assertExperimentId(basename(target.replace(/\/+$/, ''))).id;
}
