import { EXIT_CODES } from '@lab/cli-kit';
import { command, flag } from 'cmd-ts';
import { common, configArgs, localArgs, newExperimentArg, setupArgs, usage } from '../args.js';
import type { CommandKit } from '../kit.js';

export function fullCommand(kit: CommandKit) {
  const { handle, stdout, loadConfig, printPlan, setupOptions } = kit;
  return command({
    name: 'full',
    description:
      'setup → run → report → teardown in one go; teardown always runs. If teardown itself fails it says so loudly and prints the command that finishes the job.',
    args: {
      ...common,
      ...configArgs,
      ...setupArgs,
      ...newExperimentArg,
      ...localArgs,
      failFast: flag({ long: 'fail-fast', description: 'stop at the first failed run' }),
    },
    handler: (args) =>
      handle(args, async (context, session) => {
        const resolved = await loadConfig(session, args);
        const orchestrator = await import('@lab/orchestrator');
        if (resolved.config.testPlan === undefined) throw usage('full needs --test-plan');
        if (args.dryRun) {
          if (args.livePrices)
            throw usage('--live-prices asks the AWS Pricing API; a dry run makes no AWS call');
          const experimentId = await session.newExperimentId(args.experimentId);
          const plan = await session.newPlan(resolved, experimentId);
          return printPlan(context, session, plan, 'full', args.out, args.json);
        }
        const result = await orchestrator.full(session.deps(), {
          resolved,
          experimentId: await session.newExperimentId(args.experimentId),
          failFast: args.failFast,
          ...(await setupOptions(context, session, args, resolved)),
        });
        if (args.json) context.renderer.result(result);
        else {
          stdout.write(`${result.report?.directory ?? ''}/index.html\n`);
          context.renderer.line(
            `${result.experimentId}: done and torn down. Report: ${result.report?.directory}/index.html`,
          );
        }
        return EXIT_CODES.ok;
      }),
  });
}
