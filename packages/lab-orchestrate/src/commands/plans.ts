import { EXIT_CODES, terminalWidth } from '@lab/cli-kit';
import { command } from 'cmd-ts';
import { common } from '../args.js';
import type { CommandKit } from '../kit.js';
import { formatPlans } from '../render.js';

export function plansCommand(kit: CommandKit) {
  const { handle, stdout, clock } = kit;
  return command({
    name: 'plans',
    description:
      'List the test plans shipped with the lab: name (what --test-plan accepts), runs, benchmark minutes, and the estimate of a whole experiment on the default infrastructure.',
    args: { ...common },
    handler: (args) =>
      handle(args, async (context) => {
        const { shippedPlans } = await import('@lab/orchestrator');
        const plans = await shippedPlans({ now: clock.now() });
        if (args.json) context.renderer.result({ plans });
        else stdout.write(formatPlans(plans, terminalWidth(stdout)));
        return EXIT_CODES.ok;
      }),
  });
}
