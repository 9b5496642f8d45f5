import { join } from 'node:path';
import { EXIT_CODES } from '@lab/cli-kit';
import { command } from 'cmd-ts';
import { common, experimentArg, setupArgs } from '../args.js';
import type { CommandKit } from '../kit.js';

export function teardownCommand(kit: CommandKit) {
  const { handle, printPlan } = kit;
  return command({
    name: 'teardown',
    description:
      'Destroy an experiment: terraform destroy with its own state, then find anything left by tag alone and verify it is gone. Works when the local state is lost.',
    args: { ...common, ...experimentArg, out: setupArgs.out },
    handler: (args) =>
      handle(args, async (context, session) => {
        const orchestrator = await import('@lab/orchestrator');
        const experiment = await session.store.open(args.experimentId);
        const manifest = await session.checkTarget(experiment);
        context.setForceExitMessage(
          `Teardown of ${experiment.id} interrupted. Finish with: ${orchestrator.platformFor(session.deps(), manifest.target).finishCommand(experiment.id, manifest.regions)}`,
        );
        if (args.dryRun) {
          const plan = await orchestrator.existingExperimentPlan(session.deps(), experiment);
          return printPlan(
            context,
            session,
            plan,
            'teardown',
            args.out ?? join(experiment.paths.root, 'dry-run'),
            args.json,
          );
        }
        const outcome = await orchestrator.teardown(session.deps(), { experiment: experiment.id });
        if (args.json) context.renderer.result(outcome);
        else
          context.renderer.line(
            manifest.target === 'aws'
              ? `${experiment.id} torn down; nothing is left (verified by tag).`
              : `${experiment.id} torn down; nothing left running: no process of it, no port of it listening (verified).`,
          );
        return EXIT_CODES.ok;
      }),
  });
}
