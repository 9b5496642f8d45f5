import { EXIT_CODES } from '@lab/cli-kit';
import { command } from 'cmd-ts';
import { common, configArgs, localArgs, newExperimentArg, setupArgs, usage } from '../args.js';
import type { CommandKit } from '../kit.js';

export function setupCommand(kit: CommandKit) {
  const { handle, stdout, loadConfig, printPlan, setupOptions } = kit;
  return command({
    name: 'setup',
    description:
      'Create an experiment: validate everything, estimate the cost, resolve the AMI, terraform init/plan/apply with the experiment’s own state, wait for the health cascade. Cleans up on any failure or Ctrl-C.',
    args: { ...common, ...configArgs, ...setupArgs, ...newExperimentArg, ...localArgs },
    handler: (args) =>
      handle(args, async (context, session) => {
        const resolved = await loadConfig(session, args);
        const orchestrator = await import('@lab/orchestrator');
        if (args.dryRun) {
          if (args.livePrices)
            throw usage('--live-prices asks the AWS Pricing API; a dry run makes no AWS call');
          const experimentId = await session.newExperimentId(args.experimentId);
          const plan = await session.newPlan(resolved, experimentId);
          return printPlan(context, session, plan, 'setup', args.out, args.json);
        }
        const result = await orchestrator.setup(session.deps(), {
          resolved,
          experimentId: await session.newExperimentId(args.experimentId),
          ...(await setupOptions(context, session, args, resolved)),
        });
        if (args.json) context.renderer.result({ experimentId: result.experimentId, amiId: result.amiId });
        else {
          stdout.write(`${result.experimentId}\n`);
          context.renderer.line(
            `${result.experimentId} is ready. Next: lab-orchestrate run --experiment-id ${result.experimentId}, then teardown.`,
          );
        }
        return EXIT_CODES.ok;
      }),
  });
}
