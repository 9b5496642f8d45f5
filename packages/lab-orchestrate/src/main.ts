import {
  applyColorPreference,
  EXIT_CODES,
  EXIT_CODES_HELP,
  GLOBAL_FLAG_SPEC,
  hoistGlobalFlags,
} from '@lab/cli-kit';
import { runSafely, subcommands } from 'cmd-ts';
import { configCommand } from './commands/config.js';
import { fullCommand } from './commands/full.js';
import { listCommand } from './commands/list.js';
import { plansCommand } from './commands/plans.js';
import { reportCommand } from './commands/report.js';
import { runCommand } from './commands/run.js';
import { setupCommand } from './commands/setup.js';
import { statusCommand } from './commands/status.js';
import { teardownCommand } from './commands/teardown.js';
import type { LabOrchestrateDeps } from './deps.js';
import { createKit } from './kit.js';

export { COST_THRESHOLD_ENV, LOCAL_CACHE_ENV } from './args.js';
export type { LabOrchestrateDeps } from './deps.js';

export const SUBCOMMANDS = [
  'setup',
  'run',
  'report',
  'teardown',
  'full',
  'list',
  'status',
  'config',
  'plans',
] as const;

/** The examples that end `lab-orchestrate --help`. */
const EXAMPLES = [
  { description: 'The shipped test plans, their duration and cost', command: 'lab-orchestrate plans' },
  {
    description: 'The whole plan and every generated file; no AWS call',
    command: 'lab-orchestrate full --test-plan poc --dry-run',
  },
  {
    description: 'A real rehearsal on this machine: real Pulsar and OMB, no AWS account (Java 17)',
    command: 'lab-orchestrate full --test-plan smoke --target local',
  },
];

function createApp(deps: LabOrchestrateDeps) {
  const kit = createKit(deps);
  return subcommands({
    name: 'lab-orchestrate',
    description: `The pulsar-aws-lab experiment lifecycle: a tagged Pulsar cluster on AWS, OMB benchmarks over SSM, a report, and a teardown that leaves nothing behind. Global flags (--region --profile --dry-run --json --yes --endpoint-url) may stand anywhere.\n\n${EXIT_CODES_HELP}`,
    examples: EXAMPLES,
    cmds: {
      setup: setupCommand(kit),
      run: runCommand(kit),
      report: reportCommand(kit),
      teardown: teardownCommand(kit),
      full: fullCommand(kit),
      list: listCommand(kit),
      status: statusCommand(kit),
      config: configCommand(kit),
      plans: plansCommand(kit),
    },
  });
}

/** Runs `lab-orchestrate` with `argv` (without node and script); resolves with the exit code. */
export async function main(argv: readonly string[], deps: LabOrchestrateDeps = {}): Promise<number> {
  applyColorPreference(deps.env ?? process.env);
  const app = createApp(deps);
  const result = await runSafely(app, hoistGlobalFlags(argv, SUBCOMMANDS, GLOBAL_FLAG_SPEC));
  if (result._tag === 'error') {
    const { exitCode, message, into } = result.error.config;
    const stream = into === 'stdout' ? (deps.stdout ?? process.stdout) : (deps.stderr ?? process.stderr);
    const help = exitCode === 0;
    stream.write(message.endsWith('\n') ? message : `${message}\n`);
    return help ? EXIT_CODES.ok : EXIT_CODES.usage;
  }
  return result.value.value;
}
