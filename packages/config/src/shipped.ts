import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withContext } from '@lab/core';

/**
 * The configuration files this package ships: the repository's `configs/` (infrastructure
 * profiles, cluster settings, test plans, JSON Schemas), copied into the package at build time
 * and found next to the module, so an installed package has them wherever it lives.
 */
export const SHIPPED_CONFIGS_DIR: string = fileURLToPath(new URL('../configs', import.meta.url));

/** The shipped files that are the defaults: the first layer of every resolution, per section. */
export const SHIPPED_DEFAULT_FILES = {
  infrastructure: 'infrastructure/default.yaml',
  cluster: 'cluster/default.yaml',
} as const;

/** A section that has a defaults file. */
export type DefaultedSection = keyof typeof SHIPPED_DEFAULT_FILES;

/** A defaults file with its text, as the defaults layer takes it. */
export interface DefaultsSource {
  section: DefaultedSection;
  /** Shown in provenance and errors. */
  file: string;
  text: string;
}

/** The absolute path of a shipped file, e.g. `shippedConfigPath('test-plans/poc.yaml')`. */
export function shippedConfigPath(relativePath: string): string {
  return join(SHIPPED_CONFIGS_DIR, relativePath);
}

/**
 * How provenance and errors name a shipped file: `@lab/config/configs/cluster/default.yaml`, a
 * specifier Node resolves to the installed file (the same text as the repository's
 * `configs/cluster/default.yaml`).
 */
export function shippedFileName(relativePath: string): string {
  return `@lab/config/configs/${relativePath}`;
}

let defaults: readonly DefaultsSource[] | undefined;

/** The shipped defaults files with their texts, read once per process. */
export function shippedDefaults(): readonly DefaultsSource[] {
  defaults ??= (Object.entries(SHIPPED_DEFAULT_FILES) as Array<[DefaultedSection, string]>).map(
    ([section, relativePath]) => {
      const path = shippedConfigPath(relativePath);
      try {
        return { section, file: shippedFileName(relativePath), text: readFileSync(path, 'utf8') };
      } catch (error) {
        throw withContext(error, `Reading the shipped defaults ${path}`, {
          hint: 'The @lab/config package is incomplete: reinstall it, or run `pnpm build` in a checkout (it copies configs/ into the package)',
        });
      }
    },
  );
  return defaults;
}
