import { EXIT_CODES, terminalWidth } from '@lab/cli-kit';
import { command, flag } from 'cmd-ts';
import { common, experimentArg } from '../args.js';
import type { CommandKit } from '../kit.js';
import { formatStatus } from '../render.js';

export function statusCommand(kit: CommandKit) {
  const { handle, stdout } = kit;
  return command({
    name: 'status',
    description:
      'Show an experiment: phases, runs, outcome, and which of its resources are still alive (found by tag, not from Terraform state).',
    args: {
      ...common,
      ...experimentArg,
      noCheck: flag({ long: 'no-check', description: 'do not ask AWS which resources are alive' }),
    },
    handler: (args) =>
      handle(args, async (context, session) => {
        const orchestrator = await import('@lab/orchestrator');
        const result = await orchestrator.experimentStatus(session.deps(), {
          experiment: args.experimentId,
          checkResources: !args.noCheck && !args.dryRun,
        });
        if (args.json) context.renderer.result(result);
        else stdout.write(formatStatus(result, terminalWidth(stdout)));
        return result.resources !== undefined &&
          result.resources.remaining.length > 0 &&
          result.row.status !== 'running'
          ? EXIT_CODES.incomplete
          : EXIT_CODES.ok;
      }),
  });
}
