import { join, resolve } from 'node:path';
import { EXIT_CODES } from '@lab/cli-kit';
import { command, flag } from 'cmd-ts';
import { common, configArgs, experimentArg, setupArgs } from '../args.js';
import type { CommandKit } from '../kit.js';

export function runCommand(kit: CommandKit) {
  const { handle, cwd, printPlan } = kit;
  return command({
    name: 'run',
    description:
      'Run the test plan on a ready experiment: upload workloads, run OMB (distributed over every client), show the achieved rate, fetch and check each result. A failed run is recorded and the plan continues unless --fail-fast.',
    args: {
      ...common,
      ...experimentArg,
      testPlan: configArgs.testPlan,
      failFast: flag({ long: 'fail-fast', description: 'stop at the first failed run' }),
      out: setupArgs.out,
    },
    handler: (args) =>
      handle(args, async (context, session) => {
        const orchestrator = await import('@lab/orchestrator');
        const experiment = await session.store.open(args.experimentId);
        await session.checkTarget(experiment);
        const override =
          args.testPlan === undefined
            ? undefined
            : await orchestrator.withTestPlan(
                await orchestrator.storedConfig(experiment),
                args.testPlan,
                async (file) => (await import('node:fs/promises')).readFile(resolve(cwd, file), 'utf8'),
              );
        context.setForceExitMessage(
          `OMB may still be running on ${experiment.id}; tear down with: lab-orchestrate teardown --experiment-id ${experiment.id}`,
        );
        if (args.dryRun) {
          const plan = await orchestrator.existingExperimentPlan(session.deps(), experiment, {
            resolved: override,
            storedHosts: true,
          });
          return printPlan(
            context,
            session,
            plan,
            'run',
            args.out ?? join(experiment.paths.root, 'dry-run'),
            args.json,
          );
        }
        const result = await orchestrator.run(session.deps(), {
          experiment: experiment.id,
          failFast: args.failFast,
          ...(override === undefined ? {} : { resolved: override }),
        });
        if (args.json) context.renderer.result(result);
        else
          context.renderer.line(
            `${result.runs.length} run(s) stored in ${join(experiment.paths.root, 'benchmark_results')}`,
          );
        return EXIT_CODES.ok;
      }),
  });
}
