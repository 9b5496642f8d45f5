import { describe } from 'vitest';

const underCi = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';
const warned = new Set<string>();

/**
 * `describe` for suites that need something outside Node (an emulator, a browser, a binary).
 * When `available` is false the suite is skipped with one loud line locally, and fails under CI,
 * where everything must be installed: a missing tool never hides a test there.
 */
export function describeWhen(available: boolean, missing: string, name: string, body: () => void): void {
  if (available) {
    describe(name, body);
    return;
  }
  if (underCi) {
    describe(name, () => {
      throw new Error(`Required under CI: ${missing}`);
    });
    return;
  }
  if (!warned.has(missing)) {
    warned.add(missing);
    console.warn(`\n!!! SKIPPING "${name}": ${missing}\n`);
  }
  describe.skip(name, body);
}
