import {
  applyColorPreference,
  EXIT_CODES,
  EXIT_CODES_HELP,
  GLOBAL_FLAG_SPEC,
  hoistGlobalFlags,
} from '@lab/cli-kit';
import { runSafely, subcommands } from 'cmd-ts';
import { buildCommand } from './commands/build.js';
import { deleteCommand } from './commands/delete.js';
import { latestCommand } from './commands/latest.js';
import { listCommand } from './commands/list.js';
import { pruneCommand } from './commands/prune.js';
import { validateCommand } from './commands/validate.js';
import { createCommandEnv, type LabAmiDeps } from './context.js';

export { type LabAmiDeps, parseTags } from './context.js';
export { resolveTemplate } from './template.js';

export const SUBCOMMANDS = ['build', 'list', 'latest', 'validate', 'delete', 'prune'] as const;

/** The examples that end `lab-ami --help`. */
const EXAMPLES = [
  {
    description: 'Show what a build would do (no Packer, no AWS change)',
    command: 'lab-ami build --pulsar-version 4.0.4 --region eu-west-1 --dry-run',
  },
  { description: 'List the AMIs of a region, newest first', command: 'lab-ami list --region eu-west-1' },
  {
    description: 'Keep the newest two AMIs per Pulsar version; delete the rest without asking',
    command: 'lab-ami prune --keep 2 --execute --yes',
  },
];

function createApp(deps: LabAmiDeps) {
  const env = createCommandEnv(deps);
  return subcommands({
    name: 'lab-ami',
    description: `Build, list, validate and prune the pulsar-aws-lab Pulsar AMI.\nGlobal flags (--region, --profile, --endpoint-url, --json, --dry-run, --yes, --verbose) may stand before or after the subcommand.\n\n${EXIT_CODES_HELP}`,
    cmds: {
      build: buildCommand(env),
      list: listCommand(env),
      latest: latestCommand(env),
      validate: validateCommand(env),
      delete: deleteCommand(env),
      prune: pruneCommand(env),
    },
    examples: EXAMPLES,
  });
}

/**
 * Runs `lab-ami` with `argv` (without the node and script paths) and resolves with the exit code.
 * Global flags may stand before or after the subcommand.
 */
export async function main(argv: readonly string[], deps: LabAmiDeps = {}): Promise<number> {
  applyColorPreference(deps.env ?? process.env);
  const app = createApp(deps);
  const result = await runSafely(app, hoistGlobalFlags(argv, SUBCOMMANDS, GLOBAL_FLAG_SPEC));
  if (result._tag === 'error') {
    const { exitCode, message, into } = result.error.config;
    const stream = into === 'stdout' ? (deps.stdout ?? process.stdout) : (deps.stderr ?? process.stderr);
    stream.write(message.endsWith('\n') ? message : `${message}\n`);
    return exitCode === 0 ? EXIT_CODES.ok : EXIT_CODES.usage;
  }
  return result.value.value;
}
