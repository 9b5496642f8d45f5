import { readdir } from 'node:fs/promises';
import { shippedConfigPath, shippedFileName } from '@lab/config';
import { ValidationError, withContext } from '@lab/core';

export const PLANS_DIR = 'test-plans';
const YAML = /\.ya?ml$/;

/**
 * Whether a `--test-plan` value names a shipped plan rather than a file: no directory part and
 * no `.yaml`/`.yml` extension (`poc`, not `poc.yaml` or `./poc`).
 */
export function isPlanName(value: string): boolean {
  return !value.includes('/') && !value.includes('\\') && !YAML.test(value);
}

/** The names of the shipped test plans, sorted. */
export async function shippedPlanNames(): Promise<string[]> {
  const directory = shippedConfigPath(PLANS_DIR);
  let entries: string[];
  try {
    entries = await readdir(directory);
  } catch (error) {
    throw withContext(error, `Listing the shipped test plans in ${directory}`, {
      hint: 'The @lab/config package is incomplete: reinstall it, or run `pnpm build` in a checkout',
    });
  }
  return entries
    .filter((entry) => entry.endsWith('.yaml'))
    .map((entry) => entry.replace(YAML, ''))
    .sort();
}

/**
 * The file of a shipped plan, by name; a `ValidationError` listing the shipped names when there
 * is no such plan.
 */
export async function shippedPlanFile(name: string): Promise<{ path: string; file: string }> {
  const names = await shippedPlanNames();
  if (!names.includes(name)) {
    throw new ValidationError(`No shipped test plan named ${name}`, [
      {
        path: 'test-plan',
        message: 'not a shipped test plan (a file path needs a / or a .yaml extension)',
        expected: names.join(', '),
        received: name,
      },
    ]);
  }
  const relative = `${PLANS_DIR}/${name}.yaml`;
  return { path: shippedConfigPath(relative), file: shippedFileName(relative) };
}
